import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { jobProgress } from "~/jobs/progress.server";
import { approveItems, cancelJob, rejectItems, restoreJob } from "~/jobs/review.server";
import { startJob } from "~/jobs/start-job.server";

import { BACKENDS, startJobHarness, waitFor, type JobHarness } from "./support/job-harness";

async function itemsOf(harness: JobHarness, jobId: string) {
  return harness.deps.db.jobItem.findMany({
    where: { shop: harness.shop, jobId },
    orderBy: [{ productId: "asc" }, { position: "asc" }],
  });
}

async function settled(harness: JobHarness, jobId: string, done: (status: string) => boolean) {
  return waitFor(
    async () => {
      const items = await itemsOf(harness, jobId);
      return items.length > 0 && items.every((item) => done(item.status)) ? items : undefined;
    },
    { what: `the items of job ${jobId} to settle`, timeoutMs: 90_000 },
  );
}

describe.each(BACKENDS)("a bulk job, $name", ({ backend }) => {
  let harness: JobHarness;

  beforeAll(async () => {
    harness = await startJobHarness({ backend, products: 5, imagesPerProduct: 2, pngProducts: 1 });
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  });

  it("turns selected products into results waiting for review, without touching the store", async () => {
    const before = harness.catalogLook();
    const productIds = harness.productGids().slice(0, 3);

    const job = await startJob(harness.deps, harness.shop, {
      selection: { productIds },
      recipe: { preset: "amazon" },
    });
    const items = await settled(harness, job.id, (status) => status === "ready_for_review");

    expect(items).toHaveLength(6);
    expect(new Set(items.map((item) => item.productId))).toEqual(new Set(productIds));
    for (const item of items) {
      const variant = await harness.deps.db.variant.findFirstOrThrow({
        where: { jobItemId: item.id },
      });
      expect(variant).toMatchObject({
        width: 2000,
        height: 2000,
        format: "jpeg",
        review: "pending",
      });
      expect(await harness.deps.storage.exists(variant.storageKey)).toBe(true);
      expect(await harness.deps.storage.exists(item.originalKey!)).toBe(true);
    }
    expect(harness.catalogLook()).toEqual(before);
    const progress = await jobProgress(harness.deps.db, harness.shop, job.id);
    expect(progress).toMatchObject({ status: "in_review", total: 6, intake: "done" });
    expect(progress!.counts.ready_for_review).toBe(6);
  });

  it("writes approved results back in place, carries a format change over, and restores exactly", async () => {
    const before = harness.catalogLook();
    const [pngProduct, jpegProduct] = harness.productGids();
    const job = await startJob(harness.deps, harness.shop, {
      selection: { productIds: [pngProduct!, jpegProduct!] },
      recipe: { preset: "amazon" },
    });
    const items = await settled(harness, job.id, (status) => status === "ready_for_review");
    const rejected = items.find((item) => item.productId === jpegProduct && item.position === 1)!;
    const approved = items.filter((item) => item !== rejected).map((item) => item.id);

    expect((await approveItems(harness.deps, harness.shop, approved)).done).toHaveLength(3);
    expect((await rejectItems(harness.deps, harness.shop, [rejected.id])).done).toEqual([
      rejected.id,
    ]);
    await settled(harness, job.id, (status) => status === "written" || status === "canceled");

    const after = harness.catalogLook();
    // JPEG onto JPEG: the same media, new bytes, links untouched.
    expect(after[jpegProduct!]!.media.map((media) => media.id)).toEqual(
      before[jpegProduct!]!.media.map((media) => media.id),
    );
    expect(after[jpegProduct!]!.media[0]!.bytes).not.toBe(before[jpegProduct!]!.media[0]!.bytes);
    expect(after[jpegProduct!]!.media[1]).toEqual(before[jpegProduct!]!.media[1]);
    expect(after[jpegProduct!]!.variants).toEqual(before[jpegProduct!]!.variants);
    // PNG to JPEG: new media in the same places, every variant following its image.
    const pngBefore = before[pngProduct!]!;
    const pngAfter = after[pngProduct!]!;
    expect(pngAfter.media).toHaveLength(pngBefore.media.length);
    expect(pngAfter.media.map((media) => media.alt)).toEqual(pngBefore.media.map((m) => m.alt));
    for (const [index, variant] of pngAfter.variants.entries()) {
      const oldIndex = pngBefore.media.findIndex(
        (media) => media.id === pngBefore.variants[index]!.mediaIds[0],
      );
      expect(variant.mediaIds).toEqual([pngAfter.media[oldIndex]!.id]);
    }
    const writes = await harness.deps.db.writeBack.findMany({ where: { shop: harness.shop } });
    expect(writes.filter((write) => write.state === "written")).toHaveLength(3);
    expect(new Set(writes.map((write) => write.method))).toEqual(
      new Set(["file-update", "add-and-relink"]),
    );

    await restoreJob(harness.deps, harness.shop, job.id);
    await settled(harness, job.id, (status) => status === "restored" || status === "canceled");
    const restored = harness.catalogLook();
    expect(restored[jpegProduct!]).toEqual(before[jpegProduct!]);
    expect(restored[pngProduct!]).toEqual(before[pngProduct!]);
  });

  it("adds results beside the originals when asked, approving them itself", async () => {
    const product = harness.productGids()[3]!;
    const before = harness.catalogLook()[product]!;
    const job = await startJob(harness.deps, harness.shop, {
      selection: { productIds: [product] },
      recipe: { preset: "shopify" },
      mode: "add",
      autoApprove: true,
    });
    await settled(harness, job.id, (status) => status === "written");

    const after = harness.catalogLook()[product]!;
    expect(after.media).toHaveLength(4);
    expect(after.media.filter((media) => before.media.some((old) => old.id === media.id))).toEqual(
      before.media,
    );
    expect(after.variants).toEqual(before.variants);

    await restoreJob(harness.deps, harness.shop, job.id);
    await settled(harness, job.id, (status) => status === "restored");
    expect(harness.catalogLook()[product]).toEqual(before);
  });

  it("fails a corrupt photo with a reason the merchant can read, and the others go on", async () => {
    const product = harness.productGids()[4]!;
    const state = harness.shopState();
    const record = state.products.find((p) => `gid://shopify/Product/${p.id}` === product)!;
    const file = state.files.find((f) => f.id === record.mediaIds[0])!;
    harness.store.devStore.store.writeBlob(file.blobKey!, Buffer.from("not a photo at all"));

    const job = await startJob(harness.deps, harness.shop, {
      selection: { productIds: [product] },
      recipe: { preset: "amazon" },
    });
    const items = await settled(harness, job.id, (status) =>
      ["ready_for_review", "failed"].includes(status),
    );

    const failed = items.filter((item) => item.status === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.mediaId).toBe(`gid://shopify/MediaImage/${file.id}`);
    expect(failed[0]!.errorCode).toBeTruthy();
    expect(failed[0]!.lastError).toMatch(/image|photo|file/i);
    const progress = await jobProgress(harness.deps.db, harness.shop, job.id);
    expect(progress!.errors).toEqual([
      expect.objectContaining({ itemId: failed[0]!.id, message: failed[0]!.lastError }),
    ]);
  });

  it("keeps one shop's job out of another's reach", async () => {
    const job = await startJob(harness.deps, harness.shop, {
      selection: { productIds: [harness.productGids()[0]!] },
      recipe: { preset: "ebay" },
    });
    const items = await settled(harness, job.id, (status) => status === "ready_for_review");
    const other = "someone-else.myshopify.com";

    expect(await jobProgress(harness.deps.db, other, job.id)).toBeNull();
    expect((await approveItems(harness.deps, other, [items[0]!.id])).refused).toEqual([
      { itemId: items[0]!.id, reason: "not found" },
    ]);
    expect(await cancelJob(harness.deps, other, job.id)).toBeNull();
    expect((await itemsOf(harness, job.id)).map((item) => item.status)).toEqual(
      items.map(() => "ready_for_review"),
    );

    const canceled = await cancelJob(harness.deps, harness.shop, job.id);
    expect(canceled!.done).toHaveLength(items.length);
    expect((await itemsOf(harness, job.id)).every((item) => item.status === "canceled")).toBe(true);
  });
});
