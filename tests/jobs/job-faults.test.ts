import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { jobProgress } from "~/jobs/progress.server";
import { startJob } from "~/jobs/start-job.server";

import { BACKENDS, startJobHarness, waitFor, type JobHarness } from "./support/job-harness";

const PRODUCTS = 20;
const IMAGES = PRODUCTS * 2;

describe.each(BACKENDS)("a job through failing services, $name", ({ backend }) => {
  let harness: JobHarness;

  beforeAll(async () => {
    harness = await startJobHarness({
      backend,
      products: PRODUCTS,
      imagesPerProduct: 2,
      pngProducts: 2,
      maxSide: 400,
      tuning: { maxAttempts: 8, backoffMs: 50 },
      admin: { timeoutMs: 1_500, retryBaseDelayMs: 50, retryMaxDelayMs: 400, maxRetries: 3 },
    });
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  it("completes with 10% of Shopify and provider calls failing; broken photos fail alone, with their reason", async () => {
    const { db } = harness.deps;
    // Two photos no retry can save: their items must fail, with a reason, and nothing else may.
    const state = harness.shopState();
    const broken = state.products.slice(-2).map((product) => product.mediaIds[0]!);
    for (const id of broken) {
      const file = state.files.find((candidate) => candidate.id === id)!;
      harness.store.devStore.store.writeBlob(file.blobKey!, Buffer.from("GIF89a truncated"));
    }
    const before = harness.catalogLook();
    harness.store.devStore.injectFaults({
      rate: 0.1,
      kinds: ["server-error", "throttled", "timeout", "lost-response"],
      hangMs: 3_000,
      stagedUploadRate: 0.1,
      cdnRate: 0.1,
      seed: 7,
    });
    harness.replicate.inject({ failureRate: 0.1, createFailureRate: 0.1, seed: 7 });

    const job = await startJob(harness.deps, harness.shop, {
      selection: { query: "" },
      recipe: { preset: "amazon" },
      autoApprove: true,
    });
    const progress = await waitFor(
      async () => {
        const now = await jobProgress(db, harness.shop, job.id);
        return now && now.total === IMAGES && now.counts.written + now.counts.failed === IMAGES
          ? now
          : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 250, what: "every item written or failed" },
    );

    const report = harness.store.devStore.faults.report();
    const shopifyFaults = Object.values(report.injected.admin).reduce((sum, n) => sum + n, 0);
    expect(shopifyFaults).toBeGreaterThan(5);
    expect(report.injected.admin["lost-response"]).toBeGreaterThan(0);
    expect(harness.replicate.stats.failedPredictions).toBeGreaterThan(0);
    expect(harness.replicate.stats.failedCreations).toBeGreaterThan(0);

    expect(progress.counts.failed).toBe(2);
    expect(progress.errors.map((error) => error.code).sort()).toEqual(
      progress.errors.map(() => expect.any(String)),
    );
    const failed = await db.jobItem.findMany({ where: { jobId: job.id, status: "failed" } });
    expect(failed.map((item) => item.mediaId).sort()).toEqual(
      broken.map((id) => `gid://shopify/MediaImage/${id}`).sort(),
    );
    for (const item of failed) expect(item.lastError).toMatch(/photo|image|file/i);
    // Failed items produced nothing to bill: no result, nothing written.
    expect(await db.variant.count({ where: { jobItemId: { in: failed.map((i) => i.id) } } })).toBe(
      0,
    );
    harness.store.devStore.clearFaults();
    const after = harness.catalogLook();
    for (const [product, look] of Object.entries(after)) {
      expect(look.media).toHaveLength(before[product]!.media.length);
    }
    const writes = await db.writeBack.findMany({ where: { shop: harness.shop, state: "written" } });
    expect(writes).toHaveLength(IMAGES - 2);
  }, 400_000);
});
