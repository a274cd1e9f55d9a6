import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import type { PrismaClient } from "@prisma/client";
import { afterAll } from "vitest";

import { createAiProvider, type AiProvider } from "~/ai";
import { DatabasePredictionLedger } from "~/ai/replicate/database-ledger.server";
import { grantCredits } from "~/billing/ledger.server";
import { createPrismaClient } from "~/db/client.server";
import db from "~/db.server";
import type { JobDeps } from "~/jobs/deps.server";
import { BullmqQueue } from "~/jobs/queue/bullmq-queue.server";
import { DatabaseQueue } from "~/jobs/queue/database-queue.server";
import type { JobQueue, QueueTuning } from "~/jobs/queue/types";
import { startJobWorkers } from "~/jobs/workers.server";
import { adminClientFor, type AdminClientOptions } from "~/shopify/admin-client.server";
import { createLocalDiskStorage } from "~/storage/local-disk.server";
import { createS3Storage } from "~/storage/s3-storage.server";

import {
  EMULATOR_TOKEN,
  startReplicateEmulator,
  type ReplicateEmulatorOptions,
} from "../../../emulators/replicate/src/server";
import { migratedDatabase } from "../../support/databases";
import { openAppAsMerchant, startTestDevStore } from "../../support/dev-store";
import { startS3Server } from "../../support/s3-server";

import {
  productLook,
  seedJobCatalog,
  type JobCatalogOptions,
} from "../../../emulators/shopify/src/seed-scaled";

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * The two ways jobs run: the embedded default (database queue on SQLite, files on local disk) and
 * at scale (BullMQ on Redis, PostgreSQL, files in an S3 bucket). Every job test runs against both.
 */
export const BACKENDS = [
  { name: "database queue on SQLite", backend: "database" },
  { name: "BullMQ on Redis with PostgreSQL and S3", backend: "bullmq" },
] as const;
export type Backend = (typeof BACKENDS)[number]["backend"];

export interface JobHarnessOptions extends JobCatalogOptions {
  backend: Backend;
  /** Start the job workers in this process (crash tests run them in child processes). */
  workers?: boolean;
  concurrency?: { generate: number; write: number };
  tuning?: Partial<QueueTuning>;
  replicate?: ReplicateEmulatorOptions;
  /** The Admin client's timeouts and retries (the fault tests shorten them). */
  admin?: AdminClientOptions;
  /** Credits granted to the shop beside its plan's (jobs hold credits at intake). */
  credits?: number;
}

export const FAST_TUNING: QueueTuning = {
  maxAttempts: 6,
  backoffMs: 100,
  leaseMs: 3_000,
  closeGraceMs: 200,
};

/**
 * A shop on the dev store with a catalog, the app installed, the fake Replicate, private storage
 * (a temporary folder, or a bucket on a local S3-compatible server at scale) and a queue on the
 * chosen backend: the job engine's real parts, wired as app/jobs/runtime.server.ts wires them in
 * production.
 */
export async function startJobHarness(options: JobHarnessOptions) {
  const shop = `jobs-${randomBytes(4).toString("hex")}.myshopify.com`;
  const store = await startTestDevStore({ products: 0 });
  const shopRecord = await store.addShop(shop);
  await seedJobCatalog(store.devStore.store, shopRecord, options);
  await openAppAsMerchant(shop);

  const jobsDb: PrismaClient =
    options.backend === "database" ? db : createPrismaClient(migratedDatabase("PostgreSQL"));
  const credits = options.credits ?? 100_000;
  if (credits > 0) {
    await grantCredits(jobsDb, shop, {
      amount: credits,
      source: "test",
      description: "Credits for the job tests",
      idempotencyKey: "job-harness",
    });
  }
  if (options.backend === "bullmq") {
    // Worker processes read the offline session from the database they are configured with.
    const session = await db.session.findUniqueOrThrow({ where: { id: `offline_${shop}` } });
    await jobsDb.session.upsert({ where: { id: session.id }, create: session, update: session });
  }
  const replicate = await startReplicateEmulator({
    startingMs: 0,
    processingMs: 20,
    ...options.replicate,
  });
  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-jobs-"));
  const s3 = options.backend === "bullmq" ? await startS3Server() : undefined;
  // A prefix inside the bucket, as a deployment sharing its bucket would set in STORAGE_URL.
  const s3Prefix = "photo-studio/";
  const tuning = { ...FAST_TUNING, ...options.tuning };
  const queuePrefix = `photo-studio-test-${randomBytes(4).toString("hex")}`;
  const openQueue = (): JobQueue =>
    options.backend === "database"
      ? new DatabaseQueue(jobsDb, { ...tuning, pollMs: 25 })
      : new BullmqQueue({ ...tuning, redisUrl: REDIS_URL, prefix: queuePrefix });
  const provider: AiProvider = createAiProvider("replicate", {
    token: EMULATOR_TOKEN,
    baseUrl: replicate.baseUrl,
    ledger: new DatabasePredictionLedger(jobsDb),
    pollIntervalMs: 25,
    syncWaitSeconds: 0,
    maxConcurrentPredictions: 16,
  });
  const deps: JobDeps = {
    db: jobsDb,
    queue: openQueue(),
    storage: s3 ? createS3Storage(s3.config(s3Prefix)) : createLocalDiskStorage(storageDir),
    provider,
    adminFor: (shop) => adminClientFor(shop, options.admin),
    workerId: `test:${process.pid}`,
    // The dev store processes media in 50 ms; Shopify takes seconds, hence production's 1 s.
    writeBack: { pollMs: 100 },
  };
  if (options.workers !== false) {
    startJobWorkers(deps, options.concurrency ?? { generate: 4, write: 4 });
  }

  const shopState = () => store.devStore.store.shop(shop)!;
  const harness = {
    shop,
    deps,
    store,
    replicate,
    storageDir,
    s3,
    queuePrefix,
    tuning,
    /** Every product's media and variant links, by product gid. */
    catalogLook() {
      const state = shopState();
      return Object.fromEntries(
        state.products.map((product) => [
          `gid://shopify/Product/${product.id}`,
          productLook(store.devStore.store, state, product.id),
        ]),
      );
    },
    productGids() {
      return shopState().products.map((product) => `gid://shopify/Product/${product.id}`);
    },
    shopState,
    /** Environment for a worker process (`npm run worker`) wired to these same parts. */
    workerEnv(): Record<string, string> {
      return {
        DATABASE_URL:
          options.backend === "database" ? process.env.DATABASE_URL! : migratedDatabaseUrl(),
        ...(options.backend === "bullmq" ? { REDIS_URL, QUEUE_PREFIX: queuePrefix } : {}),
        SHOPIFY_DEV_STORE_URL: store.devStore.url,
        AI_PROVIDER: "replicate",
        REPLICATE_API_TOKEN: EMULATOR_TOKEN,
        REPLICATE_BASE_URL: replicate.baseUrl,
        ...(s3 ? s3.env(s3Prefix) : { STORAGE_DIR: storageDir }),
        JOB_WORKERS: "separate",
        QUEUE_LEASE_MS: String(tuning.leaseMs),
        QUEUE_BACKOFF_MS: String(tuning.backoffMs),
        QUEUE_MAX_ATTEMPTS: String(tuning.maxAttempts),
      };
    },
    async close() {
      await deps.queue.close();
      await replicate.close();
      await store.close();
      if (jobsDb !== db) await jobsDb.$disconnect();
      await s3?.close();
      fs.rmSync(storageDir, { recursive: true, force: true });
    },
  };
  return harness;
}

function migratedDatabaseUrl() {
  const target = migratedDatabase("PostgreSQL");
  return target.url;
}

export type JobHarness = Awaited<ReturnType<typeof startJobHarness>>;

/** Polls until `check` returns a value (not undefined), or fails with what it saw last. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 100, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function closeAfterAll(harness: () => JobHarness | undefined) {
  afterAll(async () => {
    await harness()?.close();
  });
}
