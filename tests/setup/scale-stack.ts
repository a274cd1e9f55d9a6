import { randomBytes } from "node:crypto";

import { Redis } from "ioredis";
import pg from "pg";
import { inject } from "vitest";

import { resolveDatabaseTarget } from "../../app/db/database-url";
import { applyMigrations } from "../../app/db/migrate.server";
import { startS3Server } from "../support/s3-server";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * The configuration switches of a deployment at scale (README, "Running at scale"), for one test
 * file: DATABASE_URL on a PostgreSQL schema of its own, REDIS_URL with a queue prefix of its own
 * (BullMQ queues, rate limits) and STORAGE_URL on a bucket of a local S3-compatible server of its
 * own, so files running in parallel never see each other's work.
 * Missing services fail the file: the scale project exists to test them.
 */
export async function prepareScaleStack() {
  const base = inject("postgresUrl");
  if (!base) throw new Error(`The scale stack needs PostgreSQL: ${inject("postgresSkipReason")}`);
  const id = randomBytes(5).toString("hex");
  const url = new URL(base);
  const schema = `photo_studio_file_${id}`;
  url.searchParams.set("schema", schema);
  await applyMigrations(resolveDatabaseTarget(url.toString()));
  const queuePrefix = `ps-test-${id}`;
  const s3 = await startS3Server();

  const env: Record<string, string> = {
    DATABASE_URL: url.toString(),
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    ...s3.env("photo-studio/"),
  };

  async function dispose() {
    await s3.close();
    url.searchParams.delete("schema");
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    await client.end();
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${queuePrefix}*`, "COUNT", 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    await redis.quit();
  }

  return { env, dispose };
}
