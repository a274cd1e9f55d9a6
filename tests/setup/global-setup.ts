import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import pg from "pg";
import type { TestProject } from "vitest/node";

import { resolveDatabaseTarget } from "../../app/db/database-url";
import { applyMigrations } from "../../app/db/migrate.server";

// One folder per run, so two runs at once (an editor's watcher and a terminal) never share files.
const TMP = path.resolve(".cache/test-db", `run-${process.pid}-${randomBytes(3).toString("hex")}`);
const SQLITE_TEMPLATE = path.join(TMP, "template.sqlite");

/** Where the suite finds PostgreSQL; CI and the development machines run it on 127.0.0.1:5432. */
const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

declare module "vitest" {
  export interface ProvidedContext {
    sqliteTemplate: string;
    /** A migrated PostgreSQL schema for this run, or null with the reason in postgresSkipReason. */
    postgresUrl: string | null;
    postgresSkipReason: string;
  }
}

async function reachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return `PostgreSQL at ${new URL(url).host} is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function setup(project: TestProject) {
  fs.mkdirSync(TMP, { recursive: true });

  // Migrate once; every test file then starts from a copy of this file.
  await applyMigrations(resolveDatabaseTarget(`file:${SQLITE_TEMPLATE}`));
  project.provide("sqliteTemplate", SQLITE_TEMPLATE);

  const unreachable = await reachable(POSTGRES_URL);
  let schema: string | null = null;
  if (unreachable) {
    console.warn(`\n[tests] Skipping PostgreSQL tests: ${unreachable}\n`);
    project.provide("postgresUrl", null);
    project.provide("postgresSkipReason", unreachable);
  } else {
    schema = `photo_studio_test_${randomBytes(4).toString("hex")}`;
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("schema", schema);
    await applyMigrations(resolveDatabaseTarget(url.toString()));
    project.provide("postgresUrl", url.toString());
    project.provide("postgresSkipReason", "");
  }

  return async () => {
    fs.rmSync(TMP, { recursive: true, force: true });
    if (!schema) return;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    await client.end();
  };
}
