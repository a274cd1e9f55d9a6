import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { jobProgress } from "~/jobs/progress.server";
import { restoreJob } from "~/jobs/review.server";
import { startJob } from "~/jobs/start-job.server";

import { BACKENDS, startJobHarness, waitFor, type JobHarness } from "./support/job-harness";

const IMAGES = 200;

describe.each(BACKENDS)("a catalog-sized job, $name", ({ backend }) => {
  let harness: JobHarness;

  beforeAll(async () => {
    harness = await startJobHarness({
      backend,
      products: IMAGES / 2,
      imagesPerProduct: 2,
      pngProducts: 5,
      maxSide: 480,
      concurrency: { generate: 4, write: 8 },
    });
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  it(`writes each of ${IMAGES} images once, and a restore puts every product back`, async () => {
    const { db } = harness.deps;
    const before = harness.catalogLook();
    const job = await startJob(harness.deps, harness.shop, {
      selection: { query: "" },
      recipe: { preset: "amazon" },
      autoApprove: true,
    });
    const every = (status: string) =>
      waitFor(
        async () => {
          const progress = await jobProgress(db, harness.shop, job.id);
          return progress?.counts[status as "written"] === IMAGES ? progress : undefined;
        },
        { timeoutMs: 300_000, intervalMs: 250, what: `${IMAGES} items ${status}` },
      );

    const progress = await every("written");
    expect(progress).toMatchObject({
      status: "completed",
      total: IMAGES,
      errors: [],
      etaSeconds: 0,
    });
    expect(progress.itemsPerMinute).toBeGreaterThan(0);
    const writes = await db.writeBack.findMany({ where: { shop: harness.shop } });
    expect(writes).toHaveLength(IMAGES);
    expect(writes.every((write) => write.state === "written")).toBe(true);
    const after = harness.catalogLook();
    let changed = 0;
    for (const [product, look] of Object.entries(after)) {
      expect(look.media).toHaveLength(before[product]!.media.length);
      changed += look.media.filter((m, i) => m.bytes !== before[product]!.media[i]!.bytes).length;
    }
    expect(changed).toBe(IMAGES);

    await restoreJob(harness.deps, harness.shop, job.id);
    await every("restored");
    expect(harness.catalogLook()).toEqual(before);
  }, 600_000);
});
