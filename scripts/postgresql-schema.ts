/**
 * Derives prisma/postgresql/schema.prisma from prisma/schema.prisma. Prisma clients are specific to
 * one provider, so PostgreSQL gets its own generated client (in node_modules/@photo-studio/prisma-postgresql)
 * built from the very same models.
 *
 *   node scripts/postgresql-schema.ts          writes the file
 *   node scripts/postgresql-schema.ts --check  exits 1 if it is out of date
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const SQLITE_SCHEMA = "prisma/schema.prisma";
export const POSTGRESQL_SCHEMA = "prisma/postgresql/schema.prisma";

const HEADER =
  "// GENERATED from prisma/schema.prisma by scripts/postgresql-schema.ts; edit that file instead.\n\n";

export function toPostgresqlSchema(sqliteSchema: string): string {
  const datasource = /datasource db \{[^}]*provider\s*=\s*"sqlite"[^}]*\}/;
  const generator = /(generator client \{[^}]*provider\s*=\s*"prisma-client-js")/;
  if (!datasource.test(sqliteSchema) || !generator.test(sqliteSchema)) {
    throw new Error(`${SQLITE_SCHEMA} must have a sqlite datasource "db" and a generator "client"`);
  }
  return (
    HEADER +
    sqliteSchema
      .replace(datasource, (block) =>
        block
          .replace('"sqlite"', '"postgresql"')
          .replace(/url\s*=\s*"[^"]*"/, 'url      = "postgresql://localhost/photo_studio"'),
      )
      .replace(generator, '$1\n  output     = "../../node_modules/@photo-studio/prisma-postgresql"')
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const expected = toPostgresqlSchema(readFileSync(SQLITE_SCHEMA, "utf8"));
  if (process.argv.includes("--check")) {
    if (readFileSync(POSTGRESQL_SCHEMA, "utf8") !== expected) {
      console.error(`${POSTGRESQL_SCHEMA} is out of date: run node scripts/postgresql-schema.ts`);
      process.exit(1);
    }
  } else {
    writeFileSync(POSTGRESQL_SCHEMA, expected);
    console.log(`wrote ${POSTGRESQL_SCHEMA}`);
  }
}
