/**
 * `npm run db:migrate`: applies the committed migrations to DATABASE_URL (SQLite by default, or
 * PostgreSQL). Safe to run from several processes at once; each migration is applied once.
 */
import dotenv from "dotenv";

import { resolveDatabaseTarget } from "../app/db/database-url.ts";
import { applyMigrations } from "../app/db/migrate.server.ts";

export async function migrate() {
  dotenv.config({ quiet: true });
  const target = resolveDatabaseTarget(process.env.DATABASE_URL);
  const where =
    target.provider === "sqlite"
      ? target.filePath
      : `PostgreSQL${target.schema ? ` (schema ${target.schema})` : ""}`;
  const { applied, alreadyApplied } = await applyMigrations(target);
  console.log(
    `database ${where}: ${applied.length} migration(s) applied, ${alreadyApplied} already in place`,
  );
  return applied;
}

if (import.meta.main) await migrate();
