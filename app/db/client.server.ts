import { PrismaClient } from "@prisma/client";
import { PrismaClient as PostgresqlPrismaClient } from "@photo-studio/prisma-postgresql";

import type { DatabaseTarget } from "./database-url";
import { createDriverAdapter } from "./driver-adapter";

/**
 * A Prisma client for either provider. Both clients are generated from the same models, so the
 * PostgreSQL one is typed as the SQLite one: the app's queries stay portable by construction.
 */
export function createPrismaClient(target: DatabaseTarget): PrismaClient {
  const adapter = createDriverAdapter(target);
  if (target.provider === "sqlite") return new PrismaClient({ adapter });
  return new PostgresqlPrismaClient({ adapter }) as unknown as PrismaClient;
}
