/**
 * Per-shop rate limits on the endpoints that cost something (AI runs, whole-shop exports,
 * deletions): a token bucket per (shop, kind). A shop that empties its bucket waits; other shops
 * never notice, because no bucket is shared between shops.
 *
 * Two stores behind one interface: memory for the embedded default (one process), and Redis when
 * REDIS_URL is set, so every web process of a deployment draws from the same bucket.
 */
import { json } from "@remix-run/node";
import { Redis } from "ioredis";

import { getEnv } from "../env.server.ts";

export interface BucketRule {
  /** Requests allowed at once after a quiet spell. */
  capacity: number;
  /** Requests given back per minute, continuously. */
  refillPerMinute: number;
}

/**
 * Generous for a person clicking, tight for a script: each kind allows a burst well beyond what
 * the page lets a merchant do by hand, then a steady pace.
 */
export const RATE_LIMITS = {
  /** Starting a bulk job from the new-job page. */
  "job.start": { capacity: 20, refillPerMinute: 20 },
  /** Starting a job from the product or bulk action extension. */
  "extension.job.start": { capacity: 20, refillPerMinute: 20 },
  /** Regenerating a result or erasing part of it on the review page: one AI run each. */
  "review.regenerate": { capacity: 60, refillPerMinute: 60 },
  /** Exporting the shop's data: reads every row of the shop. */
  "data.export": { capacity: 5, refillPerMinute: 1 },
  /** "Delete now" on the Your data page: deletes rows and files. */
  "data.delete": { capacity: 20, refillPerMinute: 10 },
} as const satisfies Record<string, BucketRule>;

export type RateLimitKind = keyof typeof RATE_LIMITS;

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimitStore {
  /** Takes one token from the bucket under `key`, or says how long until one is back. */
  take(key: string, rule: BucketRule): Promise<RateLimitDecision>;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Tokens after refilling from `bucket.at` to `now`, capped at the capacity. */
function refilled(bucket: Bucket | undefined, rule: BucketRule, now: number): number {
  if (!bucket) return rule.capacity;
  const perMs = rule.refillPerMinute / 60_000;
  return Math.min(rule.capacity, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
}

function secondsUntilOneToken(tokens: number, rule: BucketRule): number {
  return Math.max(1, Math.ceil(((1 - tokens) * 60) / rule.refillPerMinute));
}

/** One process's buckets. Full buckets are forgotten now and then, so memory follows activity. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor({ now = Date.now }: { now?: () => number } = {}) {
    this.now = now;
  }

  async take(key: string, rule: BucketRule): Promise<RateLimitDecision> {
    const now = this.now();
    const tokens = refilled(this.buckets.get(key), rule, now);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { allowed: false, retryAfterSeconds: secondsUntilOneToken(tokens, rule) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > 10_000) this.forgetFull(rule, now);
    return { allowed: true };
  }

  private forgetFull(rule: BucketRule, now: number) {
    for (const [key, bucket] of this.buckets) {
      if (refilled(bucket, rule, now) >= rule.capacity) this.buckets.delete(key);
    }
  }
}

// Read, refill, take and write in one step, so two web processes can never both spend the last
// token. Redis's own clock is the time, so processes whose clocks drift still agree.
const TAKE_LUA = `
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2]) / 60000
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call("HMGET", KEYS[1], "tokens", "at")
local tokens = capacity
if state[1] then
  tokens = math.min(capacity, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * per_ms)
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "at", tostring(now))
redis.call("PEXPIRE", KEYS[1], math.ceil(capacity / per_ms) + 1000)
return { allowed, tostring(tokens) }`;

/** Buckets in Redis, shared by every process using the same Redis and prefix. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor({ redis, prefix }: { redis: Redis; prefix: string }) {
    this.redis = redis;
    this.prefix = prefix;
    this.redis.defineCommand("photoStudioTakeToken", { numberOfKeys: 1, lua: TAKE_LUA });
  }

  async take(key: string, rule: BucketRule): Promise<RateLimitDecision> {
    const run = (this.redis as unknown as Record<string, TakeCommand>).photoStudioTakeToken!;
    const [allowed, tokens] = await run.call(
      this.redis,
      `${this.prefix}${key}`,
      rule.capacity,
      rule.refillPerMinute,
    );
    if (allowed === 1) return { allowed: true };
    return { allowed: false, retryAfterSeconds: secondsUntilOneToken(Number(tokens), rule) };
  }
}

type TakeCommand = (
  key: string,
  capacity: number,
  refillPerMinute: number,
) => Promise<[number, string]>;

declare global {
  // One store per process, also across Remix dev-server reloads.
  var photoStudioRateLimits: RateLimitStore | undefined;
}

function sharedRedis(url: string) {
  // A request waits at most two reconnection attempts, then rateLimitRefusal lets it through.
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  // ioredis reconnects by itself; a listener keeps each failed attempt from being "unhandled".
  redis.on("error", (error: Error) => console.error("Rate-limit Redis:", error.message));
  return redis;
}

/** Redis when the app runs with REDIS_URL (several web processes), memory otherwise. */
export function rateLimitStore(): RateLimitStore {
  if (!globalThis.photoStudioRateLimits) {
    const env = getEnv();
    globalThis.photoStudioRateLimits = env.redisUrl
      ? new RedisRateLimitStore({
          redis: sharedRedis(env.redisUrl),
          prefix: `${env.queue.prefix}:rate-limit:`,
        })
      : new MemoryRateLimitStore();
  }
  return globalThis.photoStudioRateLimits;
}

export function rateLimitMessage(retryAfterSeconds: number): string {
  const wait = retryAfterSeconds === 1 ? "1 second" : `${retryAfterSeconds} seconds`;
  return `Too many requests: wait ${wait} and try again.`;
}

/**
 * Takes a token for this shop and kind. Null when the request may go on; otherwise the 429 answer.
 * Its body is read by every caller of ours: pages show `message` (the new-job form shows
 * `fieldErrors.form`), admin extensions show `error.message`, as they do for other refusals.
 */
export async function rateLimitRefusal(
  shop: string,
  kind: RateLimitKind,
  store: RateLimitStore = rateLimitStore(),
): Promise<Response | null> {
  let decision: RateLimitDecision;
  try {
    decision = await store.take(`${kind}:${shop}`, RATE_LIMITS[kind]);
  } catch (error) {
    // The limit protects the service; it must not be what takes it down. With Redis unreachable
    // the request goes on (and meets the queue's own error if it needs Redis too).
    console.error(`Rate limit for ${kind} not checked`, error);
    return null;
  }
  if (decision.allowed) return null;
  const message = rateLimitMessage(decision.retryAfterSeconds);
  return json(
    {
      ok: false as const,
      message,
      fieldErrors: { form: message },
      error: { code: "rate_limited", message },
    },
    {
      status: 429,
      headers: { "Retry-After": String(decision.retryAfterSeconds), "Cache-Control": "no-store" },
    },
  );
}

/** As rateLimitRefusal, for loaders and actions that let a thrown Response answer. */
export async function enforceRateLimit(
  shop: string,
  kind: RateLimitKind,
  store?: RateLimitStore,
): Promise<void> {
  const refusal = await rateLimitRefusal(shop, kind, store);
  if (refusal) throw refusal;
}
