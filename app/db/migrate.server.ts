import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import { createClient } from "@libsql/client";
import pg from "pg";

import { prismaPathsFor, type DatabaseTarget } from "./database-url.ts";

/**
 * Applies the committed migrations of the target's provider, in order, each in its own transaction.
 *
 * Why not `prisma migrate deploy`: its JS schema engine cannot read PostgreSQL catalogs through
 * @prisma/adapter-pg (https://github.com/prisma/orm/issues/27403), and the native engine would have
 * to be downloaded. This runner keeps Prisma's own bookkeeping table (`_prisma_migrations`, same
 * columns and checksums), so the Prisma CLI sees the same history wherever it does run.
 */
export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** What each provider must do; the migration logic above it is shared. */
interface MigrationDriver {
  ensureBookkeeping(): Promise<void>;
  appliedMigrations(): Promise<AppliedRow[]>;
  /** Applies the migration unless another process did meanwhile; says whether this one did. */
  apply(migration: Migration, id: string): Promise<boolean>;
  close(): Promise<void>;
}

export function readMigrations(migrationsDir: string): Migration[] {
  if (!fs.existsSync(migrationsDir)) return [];
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export async function applyMigrations(
  target: DatabaseTarget,
  projectRoot: string = process.cwd(),
): Promise<MigrationResult> {
  const migrations = readMigrations(path.join(projectRoot, prismaPathsFor(target).migrations));
  const driver = target.provider === "sqlite" ? sqliteDriver(target) : postgresqlDriver(target);
  try {
    await driver.ensureBookkeeping();
    const applied = new Map(
      (await driver.appliedMigrations())
        .filter((row) => !row.rolled_back_at)
        .map((row) => [row.migration_name, row]),
    );
    const result: MigrationResult = { applied: [], alreadyApplied: 0 };
    for (const migration of migrations) {
      const row = applied.get(migration.name);
      if (row) {
        if (!row.finished_at) {
          throw new MigrationError(
            `Migration ${migration.name} started earlier but never finished; inspect the database, then mark it rolled back in _prisma_migrations.`,
          );
        }
        if (row.checksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${migration.name} was changed after it was applied. Migrations are append-only: restore the file and add a new migration instead.`,
          );
        }
        result.alreadyApplied += 1;
        continue;
      }
      if (await driver.apply(migration, randomUUID())) result.applied.push(migration.name);
      else result.alreadyApplied += 1;
    }
    return result;
  } finally {
    await driver.close();
  }
}

// The bookkeeping table exactly as Prisma's schema engine creates it for each provider.
const SQLITE_BOOKKEEPING_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" TEXT PRIMARY KEY NOT NULL,
  "checksum" TEXT NOT NULL,
  "finished_at" DATETIME,
  "migration_name" TEXT NOT NULL,
  "logs" TEXT,
  "rolled_back_at" DATETIME,
  "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
  "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const POSTGRESQL_BOOKKEEPING_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

const RECORD_MIGRATION = `INSERT INTO "_prisma_migrations" ("id","checksum","started_at","finished_at","migration_name","applied_steps_count") VALUES `;

/** Prisma stores SQLite datetimes as RFC 3339 text with an explicit offset. */
const sqliteTimestamp = (date: Date) => date.toISOString().replace("Z", "+00:00");

const SELECT_APPLIED = `SELECT "migration_name", "checksum", "finished_at", "rolled_back_at" FROM "_prisma_migrations" ORDER BY "started_at"`;

/** How long a migrating process waits for another's write lock. */
const BUSY_TIMEOUT = "PRAGMA busy_timeout = 10000";

function sqliteDriver(target: Extract<DatabaseTarget, { provider: "sqlite" }>): MigrationDriver {
  fs.mkdirSync(path.dirname(target.filePath), { recursive: true });
  const client = createClient({ url: target.url });
  return {
    async ensureBookkeeping() {
      // Another process may hold the write lock for a moment (a second web or worker process
      // migrating at the same start-up): wait for it rather than fail.
      await client.execute(BUSY_TIMEOUT);
      // WAL lets the web process read while a worker writes; it is a property of the file, so
      // setting it once here covers every later connection.
      await client.execute("PRAGMA journal_mode = WAL");
      await client.execute(SQLITE_BOOKKEEPING_TABLE);
    },
    async appliedMigrations() {
      const rows = await client.execute(SELECT_APPLIED);
      return rows.rows as unknown as AppliedRow[];
    },
    async apply(migration, id) {
      // @libsql/client hands its connection to each transaction and opens a new one for what
      // comes next, so the wait for another process's lock is set again on the connection this
      // transaction takes: a later migration's transaction would otherwise fail at once with
      // SQLITE_BUSY while another process applies one.
      await client.execute(BUSY_TIMEOUT);
      // A write transaction takes SQLite's lock up front; re-checking inside it means two
      // processes starting together apply a migration once: the second waits, then finds it done.
      const tx = await client.transaction("write");
      try {
        const done = await tx.execute({
          sql: `SELECT 1 FROM "_prisma_migrations" WHERE "migration_name" = ? AND "rolled_back_at" IS NULL`,
          args: [migration.name],
        });
        const applyHere = done.rows.length === 0;
        if (applyHere) {
          const startedAt = sqliteTimestamp(new Date());
          await tx.executeMultiple(migration.sql);
          await tx.execute({
            sql: `${RECORD_MIGRATION}(?,?,?,?,?,1)`,
            args: [id, migration.checksum, startedAt, sqliteTimestamp(new Date()), migration.name],
          });
        }
        await tx.commit();
        return applyHere;
      } catch (error) {
        await tx.rollback().catch(() => undefined);
        throw new MigrationError(`Migration ${migration.name} failed: ${String(error)}`);
      } finally {
        tx.close();
      }
    },
    async close() {
      // Fold the write-ahead log into the main file, so the database is one self-contained file
      // after setup (copied whole by tests and by backups).
      await client.execute("PRAGMA wal_checkpoint(TRUNCATE)").catch(() => undefined);
      client.close();
    },
  };
}

function postgresqlDriver(
  target: Extract<DatabaseTarget, { provider: "postgresql" }>,
): MigrationDriver {
  const client = new pg.Client({ connectionString: target.connectionString });
  const connected = client.connect();
  const schema = target.schema ?? "public";
  // Serialises concurrent start-ups of several web and worker processes (Prisma uses the same idea).
  const lockKey = 72707369;
  return {
    async ensureBookkeeping() {
      await connected;
      await client.query("SELECT pg_advisory_lock($1)", [lockKey]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
      await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
      await client.query(POSTGRESQL_BOOKKEEPING_TABLE);
    },
    async appliedMigrations() {
      return (await client.query<AppliedRow>(SELECT_APPLIED)).rows;
    },
    async apply(migration, id) {
      try {
        await client.query("BEGIN");
        await client.query(migration.sql);
        await client.query(`${RECORD_MIGRATION}($1,$2,$3,now(),$4,1)`, [
          id,
          migration.checksum,
          new Date(),
          migration.name,
        ]);
        await client.query("COMMIT");
        // The advisory lock held since ensureBookkeeping makes this process the only one applying.
        return true;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw new MigrationError(`Migration ${migration.name} failed: ${String(error)}`);
      }
    },
    async close() {
      await client.query("SELECT pg_advisory_unlock_all()").catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
