import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { restoreJob } from "~/jobs/review.server";
import { startJob } from "~/jobs/start-job.server";

import { BACKENDS, startJobHarness, waitFor, type JobHarness } from "./support/job-harness";
import { seededRandom, spawnWorker } from "./support/worker-process";

const IMAGES = 300;
const KILLS = 12;
const SEED = Number(process.env.CRASH_SEED ?? 20261123);

/**
 * Runs the job's workers in a child process and kills it (SIGKILL) at random instants, starting a
 * new one each time, until the work is done; then checks nothing was lost or done twice.
 */
async function runWithKills(harness: JobHarness, kills: number, done: () => Promise<boolean>) {
  const random = seededRandom(SEED);
  const log: string[] = [];
  for (let kill = 0; kill < kills; kill++) {
    const worker = spawnWorker(harness.workerEnv());
    await new Promise((resolve) => setTimeout(resolve, 600 + random() * 2_400));
    await worker.kill();
    log.push(worker.output());
    if (await done()) break;
  }
  const last = spawnWorker(harness.workerEnv());
  try {
    await waitFor(async () => ((await done()) ? true : undefined), {
      timeoutMs: 240_000,
      intervalMs: 250,
      what: "the job to finish after the kills",
    });
  } catch (error) {
    const groups = await harness.deps.db.jobItem.groupBy({
      by: ["status"],
      where: { shop: harness.shop },
      _count: { _all: true },
    });
    throw new Error(
      `${JSON.stringify(groups.map((g) => [g.status, g._count._all]))}\n` +
        `${(error as Error).message}\nlast worker said:\n${last.output().slice(-4000)}`,
    );
  } finally {
    await last.stop();
  }
  return log;
}

describe.each(BACKENDS)("a worker killed again and again, $name", ({ backend }) => {
  let harness: JobHarness;

  beforeAll(async () => {
    harness = await startJobHarness({
      backend,
      products: IMAGES / 3,
      imagesPerProduct: 3,
      pngProducts: 10,
      workers: false,
      maxSide: 480,
      tuning: { leaseMs: 1_500, maxAttempts: 20 },
    });
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  it(`loses no item, duplicates no media and leaves every original restorable (${IMAGES} images, ${KILLS} kills)`, async () => {
    const { db } = harness.deps;
    const before = harness.catalogLook();
    const job = await startJob(harness.deps, harness.shop, {
      selection: { query: "" },
      recipe: { preset: "amazon" },
      autoApprove: true,
    });
    const counts = async () =>
      db.jobItem.groupBy({ by: ["status"], where: { jobId: job.id }, _count: { _all: true } });
    const allIn = (status: string) => async () => {
      const groups = await counts();
      return (
        groups.length === 1 && groups[0]!.status === status && groups[0]!._count._all === IMAGES
      );
    };

    await runWithKills(harness, KILLS, allIn("written"));

    const items = await db.jobItem.findMany({ where: { jobId: job.id } });
    expect(items).toHaveLength(IMAGES);
    const writes = await db.writeBack.findMany({ where: { shop: harness.shop } });
    expect(writes.filter((write) => write.state === "written")).toHaveLength(IMAGES);
    expect(new Set(writes.map((write) => write.jobItemId)).size).toBe(IMAGES);
    const after = harness.catalogLook();
    for (const [product, look] of Object.entries(after)) {
      expect(look.media, product).toHaveLength(before[product]!.media.length);
      expect(new Set(look.media.map((media) => media.id)).size).toBe(look.media.length);
      expect(look.media.map((media) => media.alt)).toEqual(
        before[product]!.media.map((m) => m.alt),
      );
    }
    // Every file Photo Studio created is on a product: none was uploaded twice.
    const state = harness.shopState();
    // Results carry an SEO name ending in their write's number (app/shopify/seo-file-name.ts);
    // copies of originals made to restore them, "photo-studio-restore-…".
    const created = state.files.filter(
      (file) => /-\d{8}\.[a-z]+$/.test(file.filename) || file.filename.startsWith("photo-studio-"),
    );
    expect(created.filter((file) => file.productIds.length === 0)).toEqual([]);
    // Every prediction Replicate billed is the one recorded for its item and operation: none was
    // paid twice, however often a worker died between asking and recording.
    expect(harness.replicate.predictionCount({ model: "bria/remove-background" })).toBe(IMAGES);
    const billed = harness.replicate.billing().map((record) => record.id);
    const recorded = await db.predictionLedgerEntry.findMany({
      where: { shop: harness.shop, predictionId: { not: null } },
    });
    expect(new Set(billed)).toEqual(new Set(recorded.map((entry) => entry.predictionId)));
    expect(billed).toHaveLength(recorded.length);

    await restoreJob(harness.deps, harness.shop, job.id);
    await runWithKills(harness, 3, allIn("restored"));
    expect(harness.catalogLook()).toEqual(before);
  }, 600_000);
});
