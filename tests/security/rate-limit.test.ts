import { API_KEY, API_SECRET_KEY, APP_URL, getJwt } from "@shopify/shopify-api/test-helpers";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { action as startFromExtension } from "~/routes/api.extensions.jobs";
import { action as dataAction } from "~/routes/app.data";
import { loader as exportLoader } from "~/routes/app.data.export";
import { action as newJobAction } from "~/routes/app.jobs.new";
import {
  MemoryRateLimitStore,
  RATE_LIMITS,
  rateLimitRefusal,
  rateLimitStore,
  RedisRateLimitStore,
  type BucketRule,
  type RateLimitKind,
  type RateLimitStore,
} from "~/security/rate-limit.server";

import { adminPost, installShops } from "../review/requests";
import { callRoute } from "../support/shopify-requests";

import { REDIS_URL, redisSkipReason, uniquePrefix } from "./support/redis";

const SHOP_A = "rate-a.myshopify.com";
const SHOP_B = "rate-b.myshopify.com";
/** Three at once, then one every 100 ms. */
const RULE: BucketRule = { capacity: 3, refillPerMinute: 600 };

const redisSkip = await redisSkipReason();
if (redisSkip) console.warn(`\n[tests] Skipping the Redis rate-limit store: ${redisSkip}\n`);

const redisClients: Redis[] = [];
function redisStore(prefix: string) {
  const redis = new Redis(REDIS_URL);
  redisClients.push(redis);
  return new RedisRateLimitStore({ redis, prefix: `${prefix}:` });
}

afterAll(async () => {
  await Promise.all(redisClients.map((client) => client.quit()));
});

async function takeTimes(store: RateLimitStore, key: string, times: number, rule = RULE) {
  const decisions = [];
  for (let i = 0; i < times; i++) decisions.push(await store.take(key, rule));
  return decisions;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const backends = [
  {
    name: "memory",
    skip: "",
    /** Stores of "several processes"; memory has one process, so they are one store. */
    stores: () => {
      const store = new MemoryRateLimitStore();
      return [store, store] as const;
    },
  },
  {
    name: "Redis",
    skip: redisSkip,
    stores: () => {
      const prefix = uniquePrefix("rate-limit");
      return [redisStore(prefix), redisStore(prefix)] as const;
    },
  },
];

describe.each(backends)("the $name rate-limit store", ({ skip, stores }) => {
  it.skipIf(Boolean(skip))(
    "allows a burst up to the capacity, then says how long to wait",
    async () => {
      const [store] = stores();
      const decisions = await takeTimes(store, `job.start:${SHOP_A}`, 4);
      expect(decisions.slice(0, 3)).toEqual([
        { allowed: true },
        { allowed: true },
        { allowed: true },
      ]);
      expect(decisions[3]).toEqual({ allowed: false, retryAfterSeconds: 1 });
    },
  );

  it.skipIf(Boolean(skip))("leaves shop B's bucket full while shop A's is empty", async () => {
    const [store] = stores();
    await takeTimes(store, `job.start:${SHOP_A}`, 10);
    expect(await takeTimes(store, `job.start:${SHOP_B}`, 3)).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
    ]);
    expect((await store.take(`job.start:${SHOP_A}`, RULE)).allowed).toBe(false);
  });

  it.skipIf(Boolean(skip))("gives tokens back as time passes", async () => {
    const [store] = stores();
    await takeTimes(store, `data.delete:${SHOP_A}`, 3);
    expect((await store.take(`data.delete:${SHOP_A}`, RULE)).allowed).toBe(false);
    await sleep(250);
    expect((await store.take(`data.delete:${SHOP_A}`, RULE)).allowed).toBe(true);
  });

  it.skipIf(Boolean(skip))(
    "lets several processes together spend no more than the capacity",
    async () => {
      const [first, second] = stores();
      const slow: BucketRule = { capacity: 5, refillPerMinute: 1 };
      const decisions = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? first : second).take(`data.export:${SHOP_A}`, slow),
        ),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
      for (const refused of decisions.filter((decision) => !decision.allowed)) {
        expect(refused).toEqual({ allowed: false, retryAfterSeconds: 60 });
      }
    },
  );
});

describe("a store that cannot answer", () => {
  it("lets the request through rather than fail it, and says so on stderr", async () => {
    const broken: RateLimitStore = {
      take: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")),
    };
    const reported = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(await rateLimitRefusal(SHOP_A, "job.start", broken)).toBeNull();
      expect(reported).toHaveBeenCalledWith(
        "Rate limit for job.start not checked",
        expect.any(Error),
      );
    } finally {
      reported.mockRestore();
    }
  });
});

describe("the memory store's clock", () => {
  it("counts the wait from the refill rate: a one-per-minute bucket asks for up to 60 seconds", async () => {
    let now = 1_000_000;
    const store = new MemoryRateLimitStore({ now: () => now });
    const rule = { capacity: 1, refillPerMinute: 1 };
    expect(await store.take("k", rule)).toEqual({ allowed: true });
    now += 15_000;
    expect(await store.take("k", rule)).toEqual({ allowed: false, retryAfterSeconds: 45 });
    now += 45_000;
    expect(await store.take("k", rule)).toEqual({ allowed: true });
  });
});

/** Empties the shop's bucket of this kind in the app's own store, as a script hammering it would. */
async function exhaust(shop: string, kind: RateLimitKind) {
  const store = rateLimitStore();
  for (let i = 0; i < RATE_LIMITS[kind].capacity; i++)
    await store.take(`${kind}:${shop}`, RATE_LIMITS[kind]);
}

async function expectTooMany(response: Response) {
  expect(response.status).toBe(429);
  const wait = Number(response.headers.get("Retry-After"));
  expect(wait).toBeGreaterThanOrEqual(1);
  const body = await response.json();
  const seconds = wait === 1 ? "1 second" : `${wait} seconds`;
  expect(body.message).toBe(`Too many requests: wait ${seconds} and try again.`);
  return body;
}

describe("the routes that cost something", () => {
  beforeAll(async () => {
    await installShops(SHOP_A, SHOP_B);
  });

  it("answers a job start over the limit with 429 and the wait in plain words", async () => {
    await exhaust(SHOP_A, "job.start");
    const response = await callRoute(
      newJobAction,
      await adminPost("/app/jobs/new", SHOP_A, [
        ["intent", "start"],
        ["ids", "gid://shopify/Product/1"],
      ]),
    );
    const body = await expectTooMany(response);
    // The new-job form lists fieldErrors; the form-wide one carries the same words.
    expect(body.fieldErrors.form).toBe(body.message);
  });

  it("answers an extension's job start over the limit with 429, readable by the extension", async () => {
    await exhaust(SHOP_A, "extension.job.start");
    const { token } = await getJwt("rate-a", API_KEY, API_SECRET_KEY);
    const response = await callRoute(
      startFromExtension,
      new Request(`${APP_URL}/api/extensions/jobs`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${token}`,
          Origin: "https://extensions.shopifycdn.com",
          "Content-Type": "application/json",
        },
        body: JSON.stringify({
          productIds: ["gid://shopify/Product/1"],
          choiceId: "preset:amazon",
        }),
      }),
    );
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const body = await expectTooMany(response);
    expect(body.error).toEqual({ code: "rate_limited", message: body.message });
  });

  it("refuses a data export over the limit, and still lets another shop export", async () => {
    await exhaust(SHOP_A, "data.export");
    const request = (shop: string) =>
      getJwt(shop.replace(".myshopify.com", ""), API_KEY, API_SECRET_KEY).then(
        ({ token }) =>
          new Request(`${APP_URL}/app/data/export`, {
            headers: { Authorization: `Bearer ${token}`, Origin: "https://admin.shopify.com" },
          }),
      );
    await expectTooMany(await callRoute(exportLoader, await request(SHOP_A)));
    expect((await callRoute(exportLoader, await request(SHOP_B))).status).toBe(200);
  });

  it("refuses delete-now over the limit before deleting anything", async () => {
    await exhaust(SHOP_A, "data.delete");
    const response = await callRoute(
      dataAction,
      await adminPost("/app/data", SHOP_A, [["intent", "deleteAll"]]),
    );
    const body = await expectTooMany(response);
    expect(body.ok).toBe(false);
  });
});
