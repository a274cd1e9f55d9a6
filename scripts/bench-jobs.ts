/**
 * `npm run bench:jobs`: a 1,000-image job (remove background + Amazon preset, written back in
 * place) from start to the last write, against the dev store with Shopify's standard-plan bucket
 * (100 points/s, 2,000 points) and the fake Replicate taking 2 s per prediction under Replicate's
 * creation limit (600 a minute). The workers run as one `npm run worker` process, as at scale.
 *
 * The lower bound is what those limits allow: predictions cannot be created faster than 10 a
 * second (N / 10 s + one latency), and Shopify cannot be asked for more points than the bucket
 * holds plus what it restores (points spent − 2,000) / 100 s. The ratio compares the wall time
 * with the larger of the two. BENCH lines are the figures.
 *
 * The 1,000 images are the catalog's 55 photos again and again, so the fake Replicate reuses a
 * result it has computed for the same bytes (memoizeOutputs): the real service's compute happens
 * on its machines, and recomputing here took a fifth of this machine's CPU away from the app.
 * BENCH_REPLICATE_MEMO=0 computes every prediction.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import {
  bench,
  machineReferenceMs,
  spawnWorkerProcess,
  threadCpuSeconds,
  startBenchDevStore,
} from "./bench-support.ts";

const IMAGES = Number(process.env.BENCH_IMAGES ?? 1000);
const IMAGES_PER_PRODUCT = 2;
const LATENCY_MS = 2_000;
const CREATE_PER_SECOND = 600 / 60;
const WORKER_CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 24);

const work = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-bench-jobs-"));
const API_KEY = "bench-client-id";
const API_SECRET = randomBytes(24).toString("hex");
const APP_URL = "http://localhost:3999";
const env = {
  SHOPIFY_API_KEY: API_KEY,
  SHOPIFY_API_SECRET: API_SECRET,
  SHOPIFY_APP_URL: APP_URL,
  DATABASE_URL: `file:${path.join(work, "bench.sqlite")}`,
  STORAGE_DIR: path.join(work, "storage"),
  // The dev store serves its CDN over plain http on this machine, which production refuses.
  NODE_ENV: "development" as const,
};
Object.assign(process.env, env);

// Imported after the environment is set: the app reads its configuration once.
const { seedJobCatalog } = await import("../emulators/shopify/src/seed-scaled.ts");
const { startReplicateEmulator, EMULATOR_TOKEN } =
  await import("../emulators/replicate/src/server.ts");
const { resolveDatabaseTarget } = await import("../app/db/database-url.ts");
const { applyMigrations } = await import("../app/db/migrate.server.ts");

await applyMigrations(resolveDatabaseTarget(env.DATABASE_URL));
const { devStore, openApp } = await startBenchDevStore({
  apiKey: API_KEY,
  apiSecret: API_SECRET,
  appUrl: APP_URL,
});
const shop = "bench-store.myshopify.com";
const shopRecord = devStore.createShop({ domain: shop, name: "Bench store", plan: "Basic" });
await seedJobCatalog(devStore.store, shopRecord, {
  products: IMAGES / IMAGES_PER_PRODUCT,
  imagesPerProduct: IMAGES_PER_PRODUCT,
  maxSide: Number(process.env.BENCH_PHOTO_SIDE ?? 2000),
});
const MEMOIZE_OUTPUTS = process.env.BENCH_REPLICATE_MEMO !== "0";
const replicate = await startReplicateEmulator({
  latencyMs: LATENCY_MS,
  rateLimits: true,
  memoizeOutputs: MEMOIZE_OUTPUTS,
});

await openApp(shop);

const { default: db } = await import("../app/db.server.ts");
const { DatabaseQueue } = await import("../app/jobs/queue/database-queue.server.ts");
const { startJob } = await import("../app/jobs/start-job.server.ts");

const workerProcess = spawnWorkerProcess(
  {
    ...env,
    SHOPIFY_DEV_STORE_URL: devStore.url,
    AI_PROVIDER: "replicate",
    REPLICATE_API_TOKEN: EMULATOR_TOKEN,
    REPLICATE_BASE_URL: replicate.baseUrl,
    REPLICATE_MAX_CONCURRENT_PREDICTIONS: String(WORKER_CONCURRENCY * 2),
    JOB_WORKERS: "separate",
    WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
  },
  // e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=.cache/profiles" to see where the
  // worker's time goes.
  process.env.BENCH_WORKER_NODE_ARGS?.split(" ").filter(Boolean),
);
const worker = workerProcess.child;

// The merchant bought credits for the job (AI steps cost credits; the Free plan's 25 would stop
// it at intake).
const { grantCredits } = await import("../app/billing/ledger.server.ts");
await grantCredits(db, shop, {
  amount: IMAGES * 2,
  source: "pack:bench",
  description: "Credits for the benchmark",
  idempotencyKey: "pack:bench",
});

// Before the job, on a quiet machine: the worker is idle until the job starts.
const referenceMs = await machineReferenceMs();

const queue = new DatabaseQueue(db);
const cpuAtStart = process.cpuUsage();
const started = performance.now();
const job = await startJob({ db, queue }, shop, {
  selection: { query: "" },
  recipe: { preset: "amazon" },
  autoApprove: true,
});
let peakRssKb = 0;
for (;;) {
  const status = fs.readFileSync(`/proc/${worker.pid}/status`, "utf8");
  peakRssKb = Math.max(peakRssKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
  const groups = await db.jobItem.groupBy({
    by: ["status"],
    where: { jobId: job.id },
    _count: { _all: true },
  });
  const count = (status: string) => groups.find((g) => g.status === status)?._count._all ?? 0;
  const settled = count("written") + count("failed");
  if (settled === IMAGES) break;
  if (process.env.BENCH_VERBOSE)
    console.log(JSON.stringify(groups.map((g) => [g.status, g._count._all])));
  await new Promise((resolve) => setTimeout(resolve, 250));
}
const wallSeconds = (performance.now() - started) / 1000;

// CPU time of the worker process (from /proc, in clock ticks of 10 ms) and of this process, which
// hosts the dev store and the fake Replicate: on a machine with few cores their sum, spread over
// the cores, is a floor of its own under the wall time.
const workerStat = fs.readFileSync(`/proc/${worker.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
const workerCpuSeconds = (Number(workerStat[11]) + Number(workerStat[12])) / 100;
const workerThreads = threadCpuSeconds(worker.pid!);
const ownCpu = process.cpuUsage(cpuAtStart);
const emulatorCpuSeconds = (ownCpu.user + ownCpu.system) / 1e6;

await workerProcess.stop();
// The worker's last log line ("worker stopped") carries what it asked of Shopify.
const stats = JSON.parse(/"adminApi":(\{[^}]*\})/.exec(workerProcess.output())?.[1] ?? "{}") as {
  requests?: number;
  throttled?: number;
  costSpent?: number;
};
const failures = await db.jobItem.groupBy({
  by: ["errorCode", "lastError"],
  where: { jobId: job.id, status: "failed" },
  _count: { _all: true },
});
for (const failure of failures) {
  console.log(`# failed ×${failure._count._all}: ${failure.errorCode} ${failure.lastError}`);
}
const failed = failures.reduce((sum, failure) => sum + failure._count._all, 0);
const written = await db.writeBack.count({ where: { state: "written" } });
const state = devStore.store.shop(shop)!;
const duplicateMedia = state.products.reduce(
  (sum, product) => sum + Math.max(0, product.mediaIds.length - IMAGES_PER_PRODUCT),
  0,
);
const providerBound = IMAGES / CREATE_PER_SECOND + LATENCY_MS / 1000;
const points = stats.costSpent ?? 0;
const shopifyBound = Math.max(0, points - 2_000) / 100;
const bound = Math.max(providerBound, shopifyBound);

console.log(`# bench:jobs (Node ${process.version}, ${os.cpus().length} CPUs)`);
bench(
  "jobs_machine_reference_ms",
  referenceMs,
  "ms",
  "(CPU of one photo through the Amazon preset without AI, fastest of 16: compare runs at similar values)",
);
bench("jobs_1000_wall_s", wallSeconds, "s", `(${IMAGES} images, ${written} written)`);
bench(
  "jobs_lower_bound_s",
  bound,
  "s",
  `(provider ${providerBound.toFixed(1)} s, Shopify ${shopifyBound.toFixed(1)} s)`,
);
bench("jobs_1000_ratio_to_bound", wallSeconds / bound, "x");
// The Shopify bound counts the points the run spent, which grow when fewer writes share a
// request: the provider's bound does not move with the app's own spending.
bench("jobs_1000_ratio_to_provider_bound", wallSeconds / providerBound, "x");
bench(
  "jobs_wall_to_cpu_floor",
  wallSeconds / ((workerCpuSeconds + emulatorCpuSeconds) / os.availableParallelism()),
  "x",
);
const cores = os.availableParallelism();
bench(
  "jobs_cpu_floor_s",
  (workerCpuSeconds + emulatorCpuSeconds) / cores,
  "s",
  `(CPU: worker ${workerCpuSeconds.toFixed(0)} s, dev store + fake Replicate ${emulatorCpuSeconds.toFixed(0)} s` +
    `${MEMOIZE_OUTPUTS ? " reusing outputs of repeated photos" : ""}, over ${cores} cores)`,
);
bench("jobs_worker_cpu_ms_per_image", (workerCpuSeconds * 1000) / IMAGES, "ms");
// The main thread alone: the app's JavaScript and its database client, without the image work
// on other threads, whose page faults make it the noisier part on these machines.
bench(
  "jobs_worker_main_thread_cpu_ms_per_image",
  ((workerThreads.get("main") ?? 0) * 1000) / IMAGES,
  "ms",
  `(${[...workerThreads]
    .sort((a, b) => b[1] - a[1])
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`)
    .join(", ")})`,
);
bench(
  "jobs_shopify_points_per_image",
  points / IMAGES,
  "points",
  `(${stats.requests ?? 0} requests)`,
);
bench("jobs_throttled_errors", stats.throttled ?? -1, "count");
bench("jobs_failed_items", failed, "count");
bench("jobs_duplicate_media", duplicateMedia, "count");
const byModel = new Map<string, number>();
for (const record of replicate.billing()) {
  const key = `${record.model} ${record.status}`;
  byModel.set(key, (byModel.get(key) ?? 0) + 1);
}
bench(
  "jobs_predictions_per_image",
  replicate.predictionCount() / IMAGES,
  "x",
  `(${[...byModel].map(([key, count]) => `${key} ×${count}`).join(", ")})`,
);
bench("jobs_peak_rss_mb", peakRssKb / 1024, "MB", "(worker process)");

await queue.close();
await db.$disconnect();
await replicate.close();
await devStore.close();
fs.rmSync(work, { recursive: true, force: true });
