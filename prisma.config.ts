import "dotenv/config";

import { defineConfig } from "prisma/config";

import { prismaPathsFor, resolveDatabaseTarget } from "./app/db/database-url";
import { createDriverAdapter } from "./app/db/driver-adapter";

// One config for both providers: DATABASE_URL picks SQLite (default) or PostgreSQL, and with it the
// schema and migrations folder. The JS schema engine avoids Prisma's downloaded native engine.
const target = resolveDatabaseTarget(process.env.DATABASE_URL);
const paths = prismaPathsFor(target);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => createDriverAdapter(target),
  schema: process.env.PRISMA_SCHEMA ?? paths.schema,
  migrations: { path: paths.migrations },
});
