import { randomBytes } from "node:crypto";

import { Redis } from "ioredis";

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** "" when Redis answers PING, else why the Redis half of a suite is skipped. */
export async function redisSkipReason(url = REDIS_URL): Promise<string> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return (await client.ping()) === "PONG" ? "" : "Redis did not answer PING";
  } catch (error) {
    return `Redis at ${url}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test (or earlier run) uses, so tests never share buckets or queues. */
export function uniquePrefix(what: string) {
  return `photo-studio-test-${what}-${randomBytes(4).toString("hex")}`;
}
