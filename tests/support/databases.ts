import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import pg from "pg";
import { inject } from "vitest";

import { resolveDatabaseTarget, type DatabaseTarget } from "~/db/database-url";

/** The two providers Photo Studio runs on; PostgreSQL is absent only where none is reachable. */
export const providers = [
  { name: "SQLite", skip: "" },
  { name: "PostgreSQL", skip: inject("postgresSkipReason") },
] as const;

export type ProviderName = (typeof providers)[number]["name"];

/** A brand-new, empty database of the given provider, and a way to throw it away. */
export async function emptyDatabase(
  provider: ProviderName,
): Promise<{ target: DatabaseTarget; drop: () => Promise<void> }> {
  const id = randomBytes(5).toString("hex");
  if (provider === "SQLite") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-db-"));
    return {
      target: resolveDatabaseTarget(`file:${path.join(dir, `${id}.sqlite`)}`),
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = inject("postgresUrl");
  if (!base) throw new Error(inject("postgresSkipReason"));
  const url = new URL(base);
  const schema = `photo_studio_scratch_${id}`;
  url.searchParams.set("schema", schema);
  return {
    target: resolveDatabaseTarget(url.toString()),
    drop: async () => {
      url.searchParams.delete("schema");
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      await client.end();
    },
  };
}

/** The suite's migrated database for a provider (per-file SQLite copy, or the run's PG schema). */
export function migratedDatabase(provider: ProviderName): DatabaseTarget {
  if (provider === "SQLite") return resolveDatabaseTarget(process.env.DATABASE_URL);
  const url = inject("postgresUrl");
  if (!url) throw new Error(inject("postgresSkipReason"));
  return resolveDatabaseTarget(url);
}
