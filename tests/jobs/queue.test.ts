import { randomBytes } from "node:crypto";
import net from "node:net";

import type { PrismaClient } from "@prisma/client";
import { Queue } from "bullmq";
import { afterAll, afterEach, describe, expect, it } from "vitest";

import { createPrismaClient } from "~/db/client.server";
import { BullmqQueue } from "~/jobs/queue/bullmq-queue.server";
import { createJobQueue } from "~/jobs/queue/create-job-queue.server";
import { DatabaseQueue } from "~/jobs/queue/database-queue.server";
import type { JobQueue, QueueTuning, TaskContext, TaskInfo } from "~/jobs/queue/types";

import { migratedDatabase, providers } from "../support/databases";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Null when Redis answers PING, else why the BullMQ suite is skipped. */
async function redisUnreachable(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (reason: string) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(1_000, () => done(`Redis at ${hostname}:${port} did not answer`));
    socket.on("error", (error) => done(`Redis at ${hostname}:${port}: ${error.message}`));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) =>
      done(data.toString().startsWith("+PONG") ? "" : `Redis answered ${String(data)}`),
    );
  });
}

const redisSkip = await redisUnreachable(REDIS_URL);
if (redisSkip) console.warn(`\n[tests] Skipping BullMQ queue tests: ${redisSkip}\n`);

// Short enough for tests, in the same proportions as production.
const TUNING: QueueTuning = { maxAttempts: 3, backoffMs: 100, leaseMs: 500, closeGraceMs: 100 };

/** Opens queue instances on one store; a second instance is a restarted process. */
interface Backend {
  name: string;
  skip: string;
  open(tuning?: Partial<QueueTuning>): JobQueue;
  cleanup?(): Promise<void>;
}

const bullmqPrefix = `photo-studio-test-${randomBytes(4).toString("hex")}`;
const bullmqNames = new Set<string>();

function databaseBackend(provider: (typeof providers)[number]): Backend {
  return {
    name: `the in-process queue on ${provider.name}`,
    skip: provider.skip,
    open(tuning) {
      // A client per instance, closed with it, so a "restart" shares nothing but the database.
      const db: PrismaClient = createPrismaClient(migratedDatabase(provider.name));
      const queue = new DatabaseQueue(db, { ...TUNING, pollMs: 20, ...tuning });
      return {
        enqueue: (name, payload, options) => queue.enqueue(name, payload, options),
        process: (name, handler, options) => queue.process(name, handler, options),
        inspect: (name, key) => queue.inspect(name, key),
        purgeShop: (shop, names) => queue.purgeShop(shop, names),
        ready: () => queue.ready(),
        depth: (name) => queue.depth(name),
        leaseMs: queue.leaseMs,
        close: async () => {
          await queue.close();
          await db.$disconnect();
        },
      };
    },
  };
}

const bullmqBackend: Backend = {
  name: "BullMQ on Redis",
  skip: redisSkip,
  open(tuning) {
    const queue = new BullmqQueue({
      redisUrl: REDIS_URL,
      prefix: bullmqPrefix,
      ...TUNING,
      ...tuning,
    });
    return {
      enqueue: (name, payload, options) => {
        bullmqNames.add(name);
        return queue.enqueue(name, payload, options);
      },
      process: (name, handler, options) => queue.process(name, handler, options),
      inspect: (name, key) => queue.inspect(name, key),
      purgeShop: (shop, names) => queue.purgeShop(shop, names),
      ready: () => queue.ready(),
      depth: (name) => queue.depth(name),
      leaseMs: queue.leaseMs,
      close: () => queue.close(),
    };
  },
  async cleanup() {
    for (const name of bullmqNames) {
      const queue = new Queue(name, { connection: { url: REDIS_URL }, prefix: bullmqPrefix });
      await queue.obliterate({ force: true });
      const client = await queue.client;
      await client.del(`${bullmqPrefix}:${name}:photo-studio-unfinished-by-shop`);
      await queue.close();
    }
  },
};

const backends: Backend[] = [...providers.map(databaseBackend), bullmqBackend];

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(backends)("$name", (backend) => {
  const open: JobQueue[] = [];
  const start = (tuning?: Partial<QueueTuning>) => {
    const queue = backend.open(tuning);
    open.push(queue);
    return queue;
  };
  // Each test its own queue name: stores are shared across the file (and, for PostgreSQL, the run).
  const queueName = () => `test-${randomBytes(5).toString("hex")}`;
  const statusOf = (queue: JobQueue, name: string, key: string) =>
    queue.inspect(name, key).then((info) => info?.status ?? "missing");

  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });
  afterAll(async () => {
    if (!backend.skip) await backend.cleanup?.();
  });

  it.skipIf(backend.skip)("runs every task exactly once", async () => {
    const queue = start();
    const name = queueName();
    const runs: string[] = [];
    const keys = ["a", "b", "c", "d", "e"].map((k) => `item:${k}`);
    for (const key of keys) await queue.enqueue(name, { shop: "one.myshopify.com" }, { key });
    queue.process(name, async ({ key }) => void runs.push(key), { concurrency: 3 });

    for (const key of keys) {
      await eventually(
        () => statusOf(queue, name, key),
        (s) => s === "completed",
      );
    }
    await sleep(300);
    expect(runs.sort()).toEqual(keys);
  });

  it.skipIf(backend.skip)("adds a task once however often its key is enqueued", async () => {
    const queue = start();
    const name = queueName();
    const payload = { shop: "one.myshopify.com" };
    expect(await queue.enqueue(name, payload, { key: "process:1" })).toEqual({ added: true });
    expect(await queue.enqueue(name, payload, { key: "process:1" })).toEqual({ added: false });
    const runs: string[] = [];
    queue.process(name, async ({ key }) => void runs.push(key));
    await eventually(
      () => statusOf(queue, name, "process:1"),
      (s) => s === "completed",
    );
    expect(await queue.enqueue(name, payload, { key: "process:1" })).toEqual({ added: false });
    await sleep(200);
    expect(runs).toEqual(["process:1"]);
  });

  it.skipIf(backend.skip)("holds a delayed task back until its time", async () => {
    const queue = start();
    const name = queueName();
    const enqueuedAt = Date.now();
    let ranAt = 0;
    await queue.enqueue(name, { shop: "one.myshopify.com" }, { key: "later", delayMs: 400 });
    queue.process(name, async () => void (ranAt = Date.now()));
    await eventually(
      () => statusOf(queue, name, "later"),
      (s) => s === "completed",
    );
    expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(380);
  });

  it.skipIf(backend.skip)(
    "retries a failing task with growing delays, then reports it failed",
    async () => {
      const queue = start();
      const name = queueName();
      const attempts: Array<{ at: number; attempt: number }> = [];
      const reported: Array<{ task: TaskContext; error: Error }> = [];
      await queue.enqueue(name, { shop: "one.myshopify.com", itemId: "x" }, { key: "flaky" });
      queue.process(
        name,
        async ({ attempt }) => {
          attempts.push({ at: Date.now(), attempt });
          throw new Error(`model unavailable (${attempt})`);
        },
        { onFailed: (task, error) => void reported.push({ task, error }) },
      );

      const info = await eventually<TaskInfo | null>(
        () => queue.inspect(name, "flaky"),
        (i) => i?.status === "failed",
      );
      expect(info).toMatchObject({ attempts: 3, lastError: "model unavailable (3)" });
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      const [first, second] = [
        attempts[1]!.at - attempts[0]!.at,
        attempts[2]!.at - attempts[1]!.at,
      ];
      expect(first).toBeGreaterThanOrEqual(90);
      expect(second).toBeGreaterThanOrEqual(180);

      await eventually(
        async () => reported.length,
        (n) => n === 1,
      );
      expect(reported[0]!.task).toMatchObject({ key: "flaky", payload: { itemId: "x" } });
      expect(reported[0]!.error.message).toBe("model unavailable (3)");
      await sleep(400);
      expect(attempts).toHaveLength(3);
    },
  );

  it.skipIf(backend.skip)("completes a task that succeeds on a retry", async () => {
    const queue = start();
    const name = queueName();
    let calls = 0;
    await queue.enqueue(name, { shop: "one.myshopify.com" }, { key: "once-flaky" });
    queue.process(name, async () => {
      calls += 1;
      if (calls === 1) throw new Error("throttled");
    });
    await eventually(
      () => statusOf(queue, name, "once-flaky"),
      (s) => s === "completed",
    );
    expect(calls).toBe(2);
  });

  it.skipIf(backend.skip)(
    "gives the task of a worker that died mid-task to another worker",
    async () => {
      const name = queueName();
      const crashing = start();
      let started = false;
      await crashing.enqueue(name, { shop: "one.myshopify.com" }, { key: "orphan" });
      // This handler never finishes: its process "dies" (close abandons it) while it runs.
      crashing.process(name, () => {
        started = true;
        return new Promise<void>(() => undefined);
      });
      await eventually(async () => started, Boolean);
      await crashing.close();

      const survivor = start();
      const runs: string[] = [];
      survivor.process(name, async ({ key }) => void runs.push(key));
      await eventually(
        () => statusOf(survivor, name, "orphan"),
        (s) => s === "completed",
        15_000,
      );
      expect(runs).toEqual(["orphan"]);
    },
  );

  it.skipIf(backend.skip)("resumes pending tasks after a restart", async () => {
    const name = queueName();
    // A grace period longer than a task: this process stops cleanly, finishing what it started.
    const before = start({ closeGraceMs: 2_000 });
    const keys = ["1", "2", "3", "4", "5"].map((k) => `item:${k}`);
    for (const key of keys) await before.enqueue(name, { shop: "one.myshopify.com" }, { key });
    const runs: string[] = [];
    let release: () => void = () => undefined;
    const firstDone = new Promise<void>((resolve) => (release = resolve));
    before.process(name, async ({ key }) => {
      release();
      await sleep(150);
      runs.push(key);
    });
    await firstDone;
    await before.close();

    const after = start();
    after.process(name, async ({ key }) => void runs.push(key));
    for (const key of keys) {
      await eventually(
        () => statusOf(after, name, key),
        (s) => s === "completed",
      );
    }
    expect(runs.sort()).toEqual(keys);
  });

  it.skipIf(backend.skip)(
    "serves a shop with 2 tasks early despite another shop's 100",
    async () => {
      const queue = start();
      const name = queueName();
      for (let i = 0; i < 100; i++) {
        await queue.enqueue(name, { shop: "big.myshopify.com" }, { key: `big:${i}` });
      }
      for (let i = 0; i < 2; i++) {
        await queue.enqueue(name, { shop: "small.myshopify.com" }, { key: `small:${i}` });
      }
      const order: string[] = [];
      queue.process(
        name,
        async ({ payload }) => {
          await sleep(2);
          order.push(payload.shop);
        },
        { concurrency: 2 },
      );
      await eventually(
        async () => order.filter((shop) => shop.startsWith("small")).length,
        (n) => n === 2,
      );
      const lastSmall = order.lastIndexOf("small.myshopify.com");
      expect(lastSmall).toBeLessThan(10);
    },
  );

  it.skipIf(backend.skip)(
    "forgets every task of an erased shop, waiting, delayed, failed or done, and keeps the others'",
    async () => {
      const queue = start({ maxAttempts: 1 });
      const [name, other] = [queueName(), queueName()];
      const erased = "erased.myshopify.com";
      const staying = "staying.myshopify.com";
      await queue.enqueue(name, { shop: erased }, { key: "done" });
      await queue.enqueue(name, { shop: erased }, { key: "fails" });
      queue.process(name, async ({ key }) => {
        if (key === "fails") throw new Error("boom");
      });
      await eventually(
        () => Promise.all(["done", "fails"].map((key) => statusOf(queue, name, key))),
        (states) => states.join() === "completed,failed",
      );
      await queue.enqueue(name, { shop: erased }, { key: "later", delayMs: 60_000 });
      await queue.enqueue(other, { shop: erased }, { key: "waiting" });
      await queue.enqueue(other, { shop: staying }, { key: "theirs" });
      await queue.enqueue(name, { shop: staying }, { key: "theirs-later", delayMs: 60_000 });

      expect(await queue.purgeShop(erased, [name, other])).toBe(4);

      for (const [queueOf, key] of [
        [name, "done"],
        [name, "fails"],
        [name, "later"],
        [other, "waiting"],
      ] as const) {
        expect(await queue.inspect(queueOf, key)).toBeNull();
      }
      expect(await statusOf(queue, other, "theirs")).toBe("pending");
      expect(await statusOf(queue, name, "theirs-later")).toBe("pending");
      // A repeated shop/redact finds nothing left.
      expect(await queue.purgeShop(erased, [name, other])).toBe(0);
    },
  );
});

describe.each(providers.map(databaseBackend))("$name, specifically", (backend) => {
  it.skipIf(backend.skip)(
    "fails a task whose worker died during its last attempt instead of running it again",
    async () => {
      const name = `test-${randomBytes(5).toString("hex")}`;
      const crashing = backend.open();
      let started = false;
      await crashing.enqueue(name, { shop: "one.myshopify.com" }, { key: "last", maxAttempts: 1 });
      crashing.process(name, () => {
        started = true;
        return new Promise<void>(() => undefined);
      });
      await eventually(async () => started, Boolean);
      await crashing.close();

      const survivor = backend.open();
      const runs: string[] = [];
      const reported: string[] = [];
      survivor.process(name, async ({ key }) => void runs.push(key), {
        onFailed: ({ key }, error) => void reported.push(`${key}: ${error.message}`),
      });
      try {
        const info = await eventually(
          () => survivor.inspect(name, "last"),
          (i) => i?.status === "failed",
        );
        expect(info?.lastError).toMatch(/Worker stopped during attempt 1/);
        expect(reported).toEqual([expect.stringMatching(/^last: Worker stopped/)]);
        expect(runs).toEqual([]);
      } finally {
        await survivor.close();
      }
    },
  );
});

describe.each(providers)("the in-process queue on $name, idle", (provider) => {
  it.skipIf(provider.skip)(
    "reads the table once a poll interval while idle, however many loops wait",
    async () => {
      const name = `test-${randomBytes(5).toString("hex")}`;
      const { base, counted, reads } = countingClaims(provider.name, name);
      const queue = new DatabaseQueue(counted, { ...TUNING, pollMs: 100 });
      try {
        // A shop served before, so the round-robin's wrap-around lookup is in play.
        await queue.enqueue(name, { shop: "b.myshopify.com" }, { key: "first" });
        const ran: string[] = [];
        queue.process(name, async ({ key }) => void ran.push(key), { concurrency: 8 });
        await eventually(
          async () => ran.length,
          (n) => n === 1,
        );
        await new Promise((resolve) => setTimeout(resolve, 150));
        reads.count = 0;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        // About ten polls of one lookup each (was: two loops a poll, two lookups each).
        expect(reads.count).toBeGreaterThanOrEqual(5);
        expect(reads.count).toBeLessThanOrEqual(13);
      } finally {
        await queue.close();
        await base.$disconnect();
      }
    },
  );

  it.skipIf(provider.skip)(
    "takes tasks arriving one by one in two lookups each, waking no loop for nothing",
    async () => {
      const name = `test-${randomBytes(5).toString("hex")}`;
      const { base, counted, reads } = countingClaims(provider.name, name);
      // No polls in this test's time: every lookup is a claim's.
      const queue = new DatabaseQueue(counted, { ...TUNING, pollMs: 60_000 });
      try {
        const ran: string[] = [];
        queue.process(name, async ({ key }) => void ran.push(key), { concurrency: 8 });
        // The loops' first lookups (of an empty queue) are over once the count stops moving.
        for (let seen = -1; seen !== reads.count;) {
          seen = reads.count;
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
        reads.count = 0;
        for (let i = 0; i < 20; i++) {
          await queue.enqueue(name, { shop: "a.myshopify.com" }, { key: `t${i}` });
          await eventually(
            async () => ran.length,
            (n) => n === i + 1,
          );
        }
        // Each task: the lookup that finds it and the one its loop makes after running it, which
        // finds nothing (a sleeping loop is woken for the task; the poller keeps polling): 40
        // here, a few more when the woken loop loses the task to the loop just done with the one
        // before. It was five: a shop lookup after the last shop served, its wrap-around and the
        // task's own, then two by a loop that found nothing (100).
        expect(reads.count).toBeLessThan(20 * 3);
      } finally {
        await queue.close();
        await base.$disconnect();
      }
    },
  );
});

/** A client counting the queue's lookups of due tasks in one queue (the claim's reads). */
function countingClaims(providerName: (typeof providers)[number]["name"], queueName: string) {
  const reads = { count: 0 };
  const base = createPrismaClient(migratedDatabase(providerName));
  const counted = base.$extends({
    query: {
      queueTask: {
        findFirst({ args, query }) {
          if (JSON.stringify(args.where).includes(queueName)) reads.count++;
          return query(args);
        },
        findMany({ args, query }) {
          if (JSON.stringify(args.where).includes(queueName)) reads.count++;
          return query(args);
        },
      },
    },
  }) as unknown as PrismaClient;
  return { base, counted, reads };
}

describe("createJobQueue", () => {
  it("uses BullMQ when REDIS_URL is set, and the database otherwise", () => {
    const db = {} as PrismaClient;
    expect(createJobQueue(db, "redis://127.0.0.1:6379")).toBeInstanceOf(BullmqQueue);
    expect(createJobQueue(db, undefined)).toBeInstanceOf(DatabaseQueue);
    expect(createJobQueue(db, " ")).toBeInstanceOf(DatabaseQueue);
  });
});
