/**
 * `npm run bench:scale`: how job throughput grows with worker processes, on the deployment at
 * scale (PostgreSQL, BullMQ on Redis, `npm run worker` processes).
 *
 * - Provider-bound: a job whose time goes to the AI provider (the Amazon preset: background
 *   removal, and the upscale Amazon's 1,000 px minimum asks of these small photos, by the fake
 *   Replicate at 2 s a prediction, no rate limits), each worker process running WORKER_CONCURRENCY
 *   generation steps at once. The bound is then concurrency ÷ latency per process, so three
 *   processes should go three times as fast: the Shopify store is on the Plus plan (1,000 points
 *   a second, far above what the job asks) and the photos are small, so neither Shopify's bucket
 *   nor the CPU should be the limit. `scale_throughput_ratio_3w_1w` is items/s
 *   with three workers ÷ items/s with one, the same job size each time; it falls short of 3 by
 *   what the processes share (this machine's cores, the database, Redis).
 * - CPU-bound: the eBay preset on large photos (local sharp edits only, no provider): the work
 *   is CPU, so more processes help only as far as there are cores (`scale_cores`) not already
 *   used by one process (sharp itself uses several threads).
 * - Queue overhead: on an idle system, the time from enqueueing a trivial task on the real
 *   BullmqQueue to its handler starting, sampled one task at a time (p50 and p95).
 *
 * Throughput is steady state: items written between 10% and 90% of the job, over the time
 * between those two moments (every write is recorded in JobTransition), so worker start-up, the
 * job's intake and the last stragglers are left out.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import pg from "pg";

import { bench, spawnWorkerProcess, startBenchDevStore } from "./bench-support.ts";

const PROVIDER_IMAGES = Number(process.env.BENCH_SCALE_IMAGES ?? 120);
const CPU_IMAGES = Number(process.env.BENCH_SCALE_CPU_IMAGES ?? 60);
// Two steps a worker: three workers then ask for 1.5 items a second (two predictions of 2 s
// each), which a 2-core machine can process; at four, the CPU, not the provider, would set the
// pace of three workers and the ratio would measure the cores.
const WORKER_CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 2);
const LATENCY_MS = 2_000;
const QUEUE_SAMPLES = 60;
const IMAGES_PER_PRODUCT = 2;

const id = randomBytes(4).toString("hex");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-bench-scale-"));
const postgres = new URL(
  process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test",
);
const schema = `photo_studio_bench_${id}`;
const databaseUrl = new URL(postgres);
databaseUrl.searchParams.set("schema", schema);
const API_KEY = "bench-client-id";
const API_SECRET = randomBytes(24).toString("hex");
const APP_URL = "http://localhost:3999";
const env = {
  SHOPIFY_API_KEY: API_KEY,
  SHOPIFY_API_SECRET: API_SECRET,
  SHOPIFY_APP_URL: APP_URL,
  DATABASE_URL: databaseUrl.toString(),
  REDIS_URL: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
  QUEUE_PREFIX: `photo-studio-bench-${id}`,
  STORAGE_DIR: path.join(work, "storage"),
  // The dev store serves its CDN over plain http on this machine, which production refuses.
  NODE_ENV: "development" as const,
};
Object.assign(process.env, env);

// Imported after the environment is set: the app reads its configuration once.
const { devStore, openApp } = await startBenchDevStore({
  apiKey: API_KEY,
  apiSecret: API_SECRET,
  appUrl: APP_URL,
});
const { seedJobCatalog } = await import("../emulators/shopify/src/seed-scaled.ts");
const { startReplicateEmulator, EMULATOR_TOKEN } =
  await import("../emulators/replicate/src/server.ts");
const { resolveDatabaseTarget } = await import("../app/db/database-url.ts");
const { applyMigrations } = await import("../app/db/migrate.server.ts");
await applyMigrations(resolveDatabaseTarget(env.DATABASE_URL));
const { default: db } = await import("../app/db.server.ts");
const { BullmqQueue } = await import("../app/jobs/queue/bullmq-queue.server.ts");
const { startJob } = await import("../app/jobs/start-job.server.ts");
const { grantCredits } = await import("../app/billing/ledger.server.ts");

const replicate = await startReplicateEmulator({ latencyMs: LATENCY_MS });
const queue = new BullmqQueue({ redisUrl: env.REDIS_URL, prefix: env.QUEUE_PREFIX });

/** A shop of its own for each run, so every run starts from the same catalog. */
async function shopWith(name: string, images: number, maxSide: number) {
  const shop = `bench-scale-${name}.myshopify.com`;
  const record = devStore.createShop({ domain: shop, name: `Bench ${name}`, plan: "Plus" });
  await seedJobCatalog(devStore.store, record, {
    products: images / IMAGES_PER_PRODUCT,
    imagesPerProduct: IMAGES_PER_PRODUCT,
    maxSide,
  });
  await openApp(shop);
  await grantCredits(db, shop, {
    amount: images * 10,
    source: "pack:bench",
    description: "Credits for the benchmark",
    idempotencyKey: "pack:bench",
  });
  return shop;
}

/**
 * Runs one job on `workers` worker processes and answers its steady-state throughput in items per
 * second (10% to 90% of the items written).
 */
async function itemsPerSecond(
  shop: string,
  workers: number,
  recipe: { preset: "amazon" | "ebay" },
) {
  const processes = Array.from({ length: workers }, () =>
    spawnWorkerProcess({
      ...env,
      SHOPIFY_DEV_STORE_URL: devStore.url,
      AI_PROVIDER: "replicate",
      REPLICATE_API_TOKEN: EMULATOR_TOKEN,
      REPLICATE_BASE_URL: replicate.baseUrl,
      // The provider client's own cap stays above the steps the worker runs at once.
      REPLICATE_MAX_CONCURRENT_PREDICTIONS: String(WORKER_CONCURRENCY * 2),
      JOB_WORKERS: "separate",
      WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
    }),
  );
  let jobId: string;
  try {
    await Promise.all(processes.map((worker) => worker.started()));
    const job = await startJob({ db, queue }, shop, {
      selection: { query: "" },
      recipe,
      autoApprove: true,
    });
    jobId = job.id;
    const deadline = Date.now() + 20 * 60_000;
    for (;;) {
      const groups = await db.jobItem.groupBy({
        by: ["status"],
        where: { jobId },
        _count: { _all: true },
      });
      const settled = groups
        .filter((group) => group.status === "written" || group.status === "failed")
        .reduce((sum, group) => sum + group._count._all, 0);
      if (settled > 0 && settled === groups.reduce((sum, group) => sum + group._count._all, 0)) {
        break;
      }
      if (Date.now() > deadline) throw new Error(`${shop}: the job did not finish`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await Promise.all(processes.map((worker) => worker.stop()));
  }
  const written = await db.jobTransition.findMany({
    where: { shop, entityType: "JobItem", toStatus: "written" },
    select: { at: true },
    orderBy: { at: "asc" },
  });
  const failed = await db.jobItem.count({ where: { jobId, status: "failed" } });
  if (failed > 0) console.log(`# ${shop}: ${failed} items failed`);
  const from = Math.floor(written.length * 0.1);
  const to = Math.ceil(written.length * 0.9) - 1;
  const seconds = (written[to]!.at.getTime() - written[from]!.at.getTime()) / 1000;
  return (to - from) / seconds;
}

/** Enqueue-to-start latency of the real BullMQ queue, one trivial task at a time. */
async function queueOverheadMs() {
  const probe = new BullmqQueue({ redisUrl: env.REDIS_URL, prefix: `${env.QUEUE_PREFIX}-probe` });
  const waiting = new Map<string, (at: number) => void>();
  probe.process<{ shop: string; n: number }>(
    "bench-probe",
    async ({ key }) => waiting.get(key)?.(performance.now()),
    { concurrency: 1 },
  );
  const samples: number[] = [];
  // The first few warm up the connections and the worker's blocking wait.
  for (let n = -5; n < QUEUE_SAMPLES; n++) {
    const key = `probe:${n}`;
    const started = new Promise<number>((resolve) => waiting.set(key, resolve));
    const at = performance.now();
    await probe.enqueue("bench-probe", { shop: "bench.myshopify.com", n }, { key });
    const ms = (await started) - at;
    if (n >= 0) samples.push(ms);
  }
  await probe.close();
  samples.sort((a, b) => a - b);
  const quantile = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { p50: quantile(0.5), p95: quantile(0.95) };
}

try {
  console.log(`# bench:scale (Node ${process.version}, ${os.cpus().length} CPUs)`);
  const overhead = await queueOverheadMs();
  bench("scale_queue_overhead_ms", overhead.p50, "ms", `(p50 of ${QUEUE_SAMPLES}, idle, BullMQ)`);
  bench("scale_queue_overhead_p95_ms", overhead.p95, "ms");

  const amazon = { preset: "amazon" } as const;
  const provider1 = await itemsPerSecond(
    await shopWith("provider-1w", PROVIDER_IMAGES, 320),
    1,
    amazon,
  );
  const provider3 = await itemsPerSecond(
    await shopWith("provider-3w", PROVIDER_IMAGES, 320),
    3,
    amazon,
  );
  const details = `(${PROVIDER_IMAGES} images, ${LATENCY_MS / 1000} s a prediction, ${WORKER_CONCURRENCY} steps a worker)`;
  bench("scale_items_per_s_1w", provider1, "items/s", details);
  bench("scale_items_per_s_3w", provider3, "items/s", details);
  bench("scale_throughput_ratio_3w_1w", provider3 / provider1, "x");
  console.log(
    `# ${replicate.predictionCount()} predictions for ${PROVIDER_IMAGES * 2} images (two runs)`,
  );

  const ebay = { preset: "ebay" } as const;
  const cpu1 = await itemsPerSecond(await shopWith("cpu-1w", CPU_IMAGES, 1600), 1, ebay);
  const cpu3 = await itemsPerSecond(await shopWith("cpu-3w", CPU_IMAGES, 1600), 3, ebay);
  const cpuDetails = `(${CPU_IMAGES} images of 1600 px, local edits only)`;
  bench("scale_cpu_items_per_s_1w", cpu1, "items/s", cpuDetails);
  bench("scale_cpu_items_per_s_3w", cpu3, "items/s", cpuDetails);
  bench("scale_cpu_throughput_ratio_3w_1w", cpu3 / cpu1, "x");
  bench("scale_cores", os.availableParallelism(), "cores");
} finally {
  await queue.close();
  await db.$disconnect();
  await replicate.close();
  await devStore.close();
  const client = new pg.Client({ connectionString: postgres.toString() });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await client.end();
  const { Redis } = await import("ioredis");
  const redis = new Redis(env.REDIS_URL);
  for (const prefix of [env.QUEUE_PREFIX]) {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  }
  await redis.quit();
  fs.rmSync(work, { recursive: true, force: true });
}
