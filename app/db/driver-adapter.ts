import fs from "node:fs";
import path from "node:path";

import { createClient, type Config } from "@libsql/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";

import type { DatabaseTarget } from "./database-url";
import { oneConnectionClient } from "./libsql-one-connection";

/** Prisma's libsql adapter on one SQLite connection (see oneConnectionClient for why). */
class PrismaLibSQLOneConnection extends PrismaLibSQL {
  override createClient(config: Config) {
    return oneConnectionClient(createClient(config));
  }
}

/**
 * Prisma talks to the database through a JavaScript driver adapter rather than its native engines,
 * which it would have to download at install time (see docs/decisions/002-prisma-driver-adapters.md).
 * The same factory serves the app at run time and the Prisma CLI for migrations.
 */
export function createDriverAdapter(target: DatabaseTarget) {
  if (target.provider === "sqlite") {
    fs.mkdirSync(path.dirname(target.filePath), { recursive: true });
    return new PrismaLibSQLOneConnection({ url: target.url });
  }
  return new PrismaPg(
    { connectionString: target.connectionString },
    target.schema ? { schema: target.schema } : undefined,
  );
}
