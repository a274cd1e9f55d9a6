import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { afterEach, describe, expect, it } from "vitest";

import { createPrismaClient } from "~/db/client.server";
import { prismaPathsFor, type DatabaseTarget } from "~/db/database-url";
import { applyMigrations, MigrationError, readMigrations } from "~/db/migrate.server";

import { emptyDatabase, providers } from "../support/databases";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function fresh(provider: (typeof providers)[number]["name"]) {
  const database = await emptyDatabase(provider);
  cleanups.push(database.drop);
  return database.target;
}

/** `npm run db:migrate` in a process of its own, as each web or worker process runs it at start. */
async function migrateInChildProcess(target: DatabaseTarget) {
  const { stdout } = await promisify(execFile)(process.execPath, ["scripts/migrate.ts"], {
    env: { PATH: process.env.PATH, DATABASE_URL: target.url, NODE_ENV: "test" },
  });
  return stdout;
}

/** A copy of the project's migrations for one provider, to edit without touching the real ones. */
function projectCopy(target: DatabaseTarget) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-migrations-"));
  const { migrations } = prismaPathsFor(target);
  fs.cpSync(migrations, path.join(root, migrations), { recursive: true });
  cleanups.push(async () => fs.rmSync(root, { recursive: true, force: true }));
  return { root, dir: path.join(root, migrations) };
}

describe.each(providers)("migrations on $name", ({ name, skip }) => {
  it.skipIf(skip)(
    "create every table on an empty database, then find nothing left to do",
    async () => {
      const target = await fresh(name);
      const all = readMigrations(prismaPathsFor(target).migrations).map((m) => m.name);

      expect(await applyMigrations(target)).toEqual({ applied: all, alreadyApplied: 0 });
      expect(await applyMigrations(target)).toEqual({ applied: [], alreadyApplied: all.length });

      const prisma = createPrismaClient(target);
      try {
        expect(await prisma.session.count()).toBe(0);
        expect(await prisma.shop.count()).toBe(0);
      } finally {
        await prisma.$disconnect();
      }
    },
  );

  it.skipIf(skip)("apply each migration once when several processes start together", async () => {
    const target = await fresh(name);
    // Six: with three, the first process often finished before the others needed the lock, and
    // a later migration's transaction that found it taken failed at once (no busy timeout on
    // @libsql/client's next connection).
    const runs = await Promise.all(Array.from({ length: 6 }, () => migrateInChildProcess(target)));

    const appliedTotal = runs.reduce(
      (sum, output) => sum + Number(/(\d+) migration\(s\) applied/.exec(output)?.[1]),
      0,
    );
    expect(appliedTotal).toBe(readMigrations(prismaPathsFor(target).migrations).length);
  });

  it.skipIf(skip)("refuse to run when an applied migration was edited afterwards", async () => {
    const target = await fresh(name);
    const project = projectCopy(target);
    await applyMigrations(target, project.root);
    const first = fs
      .readdirSync(project.dir)
      .filter((entry) => !entry.endsWith(".toml"))
      .sort()[0]!;
    fs.appendFileSync(path.join(project.dir, first, "migration.sql"), "\n-- edited later\n");

    await expect(applyMigrations(target, project.root)).rejects.toThrow(MigrationError);
    await expect(applyMigrations(target, project.root)).rejects.toThrow(
      /changed after it was applied/,
    );
  });

  it.skipIf(skip)(
    "roll back a failing migration completely and report which one failed",
    async () => {
      const target = await fresh(name);
      const project = projectCopy(target);
      await applyMigrations(target, project.root);
      fs.mkdirSync(path.join(project.dir, "29990101000000_broken"));
      fs.writeFileSync(
        path.join(project.dir, "29990101000000_broken", "migration.sql"),
        'CREATE TABLE "Half" ("id" TEXT PRIMARY KEY);\nTHIS IS NOT SQL;\n',
      );

      await expect(applyMigrations(target, project.root)).rejects.toThrow(
        /29990101000000_broken failed/,
      );

      const prisma = createPrismaClient(target);
      try {
        const tables: Array<{ name: string }> =
          name === "SQLite"
            ? await prisma.$queryRawUnsafe(`SELECT name FROM sqlite_master WHERE name = 'Half'`)
            : await prisma.$queryRawUnsafe(
                `SELECT table_name::text AS name FROM information_schema.tables WHERE table_name = 'Half' AND table_schema = current_schema()`,
              );
        expect(tables).toEqual([]);
      } finally {
        await prisma.$disconnect();
      }
    },
  );
});

describe("the PostgreSQL schema", () => {
  it("is generated from the SQLite one and up to date", async () => {
    const { toPostgresqlSchema, SQLITE_SCHEMA, POSTGRESQL_SCHEMA } =
      await import("../../scripts/postgresql-schema.ts");
    expect(fs.readFileSync(POSTGRESQL_SCHEMA, "utf8")).toBe(
      toPostgresqlSchema(fs.readFileSync(SQLITE_SCHEMA, "utf8")),
    );
  });

  it("has a migration for each one the SQLite side has", () => {
    const names = (dir: string) => readMigrations(dir).map((migration) => migration.name);
    expect(names("prisma/postgresql/migrations")).toEqual(names("prisma/migrations"));
  });
});
