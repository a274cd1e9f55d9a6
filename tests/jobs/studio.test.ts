/**
 * The studio's job engine: backgrounds, credits at intake, the review actions (approve all, retry,
 * regenerate, erase, restore a product), placement of added images, the write sweep and the
 * listings the pages read. Against the dev store and the Replicate emulator, on the embedded
 * default (database queue on SQLite); tests/jobs/job-flow.test.ts covers both backends.
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { chargeCredits, creditSummary, grantCredits } from "~/billing/ledger.server";
import { listJobs, recentResults, reviewItems, writeHistory } from "~/jobs/listing.server";
import {
  approveAll,
  eraseInItem,
  regenerateItem,
  restoreProduct,
  retryItems,
  ReviewActionError,
} from "~/jobs/review.server";
import { startJob, type JobRequest } from "~/jobs/start-job.server";
import { transition } from "~/jobs/states";
import { sweepApprovedWithoutWrite } from "~/jobs/sweep.server";

import { startJobHarness, waitFor, type JobHarness } from "./support/job-harness";

// Each test runs real jobs through the emulators; a busy machine takes longer than the default.
vi.setConfig({ testTimeout: 120_000 });

let harness: JobHarness;
const OTHER_SHOP = "someone-else.myshopify.com";

beforeAll(async () => {
  harness = await startJobHarness({
    backend: "database",
    products: 8,
    imagesPerProduct: 1,
    maxSide: 480,
  });
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

const db = () => harness.deps.db;
const product = (index: number) => harness.productGids()[index]!;

async function itemsOf(jobId: string) {
  return db().jobItem.findMany({
    where: { shop: harness.shop, jobId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}

async function settled(jobId: string, done: (status: string) => boolean) {
  return waitFor(
    async () => {
      const items = await itemsOf(jobId);
      return items.length > 0 && items.every((item) => done(item.status)) ? items : undefined;
    },
    { what: `the items of job ${jobId} to settle`, timeoutMs: 60_000 },
  );
}

async function runJob(
  request: JobRequest,
  done: (status: string) => boolean = (status) => status === "ready_for_review",
) {
  const job = await startJob(harness.deps, harness.shop, request);
  return { job, items: await settled(job.id, done) };
}

async function variantsOf(itemId: string) {
  return db().variant.findMany({
    where: { shop: harness.shop, jobItemId: itemId },
    orderBy: { createdAt: "asc" },
  });
}

async function refusalOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ReviewActionError);
  return error as ReviewActionError;
}

function productTitle(gid: string) {
  const id = Number(gid.split("/").pop());
  return harness.shopState().products.find((p) => p.id === id)!.title;
}

function maskPng(width: number, height: number, drawn = true) {
  const circle = drawn
    ? `<circle cx="${width / 2}" cy="${height / 3}" r="${width / 8}" fill="white"/>`
    : "";
  return sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="black"/>${circle}</svg>`,
    ),
  )
    .png()
    .toBuffer();
}

describe("intake", () => {
  it("names each item's product and holds the job's credits before any item runs", async () => {
    const { job, items } = await runJob({
      selection: { productIds: [product(0), product(1)] },
      recipe: { preset: "social-square" },
    });
    expect(items.map((item) => item.productTitle).sort()).toEqual(
      [productTitle(product(0)), productTitle(product(1))].sort(),
    );
    const hold = await db().creditLedgerEntry.findFirstOrThrow({
      where: { shop: harness.shop, jobId: job.id, kind: "hold" },
    });
    // One background removal per image.
    expect(hold.amount).toBe(-2);
  });

  it("fails a job the shop cannot pay for, with the reason, before any item exists", async () => {
    const { available } = await creditSummary(db(), harness.shop);
    await chargeCredits(db(), harness.shop, {
      jobId: "drain",
      jobItemId: "drain",
      amount: available,
      idempotencyKey: "test-drain",
      description: "Spends everything for the test",
    });
    const job = await startJob(harness.deps, harness.shop, {
      selection: { productIds: [product(2)] },
      recipe: { preset: "social-square" },
    });
    const failed = await waitFor(
      async () => {
        const row = await db().job.findFirstOrThrow({ where: { id: job.id } });
        return row.intake === "pending" ? undefined : row;
      },
      { what: "the intake to end" },
    );
    await grantCredits(db(), harness.shop, {
      amount: 100_000,
      source: "test",
      description: "Refill",
      idempotencyKey: "test-refill",
    });
    expect(failed).toMatchObject({ intake: "failed", status: "failed" });
    expect(failed.intakeError).toMatch(/needs 1 credit and you have 0 left/);
    expect(await db().jobItem.count({ where: { jobId: job.id } })).toBe(0);
  });
});

describe("backgrounds", () => {
  it("renders the cut-out on the recipe's colour, framed as the preset frames it", async () => {
    const { items } = await runJob({
      selection: { productIds: [product(2)] },
      recipe: { preset: "social-square", background: { kind: "color", color: "#ff0000" } },
    });
    const [variant] = await variantsOf(items[0]!.id);
    expect(variant).toMatchObject({ width: 1080, height: 1080, format: "jpeg", origin: "recipe" });
    const { data } = await sharp(await harness.deps.storage.get(variant!.storageKey))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const [r, g, b] = data.subarray(0, 3);
    expect(r).toBeGreaterThan(240);
    expect(g).toBeLessThan(20);
    expect(b).toBeLessThan(20);
  });

  it("places the product in a scene, then regenerates it once per click with the edited prompt", async () => {
    const { job, items } = await runJob({
      selection: { productIds: [product(3)] },
      recipe: { preset: "social-square", background: { kind: "scene", templateId: "white-sweep" } },
    });
    const item = items[0]!;
    const [first] = await variantsOf(item.id);
    expect(first).toMatchObject({ width: 1080, height: 1080, format: "jpeg", origin: "recipe" });
    const scenes = () =>
      harness.replicate
        .allPredictions()
        .filter((prediction) => prediction.model === "black-forest-labs/flux-kontext-pro");
    expect(scenes().length).toBeGreaterThan(0);

    // Another shop's id answers like a missing one; the double click below charges once.
    expect((await refusalOf(regenerateItem(harness.deps, OTHER_SHOP, item.id))).status).toBe(404);
    const clicks = await Promise.allSettled([
      regenerateItem(harness.deps, harness.shop, item.id, { prompt: "on a marble counter" }),
      regenerateItem(harness.deps, harness.shop, item.id, { prompt: "on a marble counter" }),
    ]);
    expect(clicks.filter((click) => click.status === "fulfilled")).toHaveLength(1);
    const refused = clicks.find((click) => click.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ name: "ReviewActionError", code: "wrong_state" });

    await settled(job.id, (status) => status === "ready_for_review");
    const [old, regenerated] = await variantsOf(item.id);
    expect(old).toMatchObject({ review: "rejected" });
    expect(regenerated).toMatchObject({
      origin: "regenerate",
      prompt: "on a marble counter",
      review: "pending",
      width: 1080,
    });
    expect(regenerated!.storageKey).not.toBe(old!.storageKey);
    expect(
      scenes().some((p) => (p.input as { prompt?: string }).prompt?.includes("marble counter")),
    ).toBe(true);
    const charges = await db().creditLedgerEntry.findMany({
      where: { shop: harness.shop, jobItemId: item.id, kind: "charge" },
    });
    // A scene costs 2 credits.
    expect(charges.map((charge) => charge.amount)).toEqual([-2]);
  });

  it("refuses a prompt on a plain-background job", async () => {
    const { items } = await runJob({
      selection: { productIds: [product(4)] },
      recipe: { preset: "social-square" },
    });
    const refusal = await refusalOf(
      regenerateItem(harness.deps, harness.shop, items[0]!.id, { prompt: "a beach" }),
    );
    expect(refusal).toMatchObject({ code: "invalid_request", status: 422 });
    expect(refusal.message).toMatch(/plain background/);
  });
});

describe("the magic eraser", () => {
  it("checks the mask, keeps it with the item and erases the current result", async () => {
    const { job, items } = await runJob({
      selection: { productIds: [product(5)] },
      recipe: { preset: "social-square" },
    });
    const item = items[0]!;
    const erase = (mask: Buffer) => eraseInItem(harness.deps, harness.shop, item.id, { mask });

    const jpeg = await sharp(await maskPng(540, 540))
      .jpeg()
      .toBuffer();
    expect((await refusalOf(erase(jpeg))).message).toBe("The mask must be a PNG image.");
    expect((await refusalOf(erase(await maskPng(400, 200)))).message).toMatch(/photo's shape/);
    expect((await refusalOf(erase(await maskPng(540, 540, false)))).message).toMatch(
      /Draw over what you want to remove/,
    );
    expect((await refusalOf(erase(Buffer.from("not an image")))).code).toBe("invalid_mask");

    const { maskKey } = await erase(await maskPng(540, 540));
    expect(maskKey).toMatch(new RegExp(`/items/${item.id}/masks/erase-\\d+\\.png$`));
    const stored = await sharp(await harness.deps.storage.get(maskKey)).metadata();
    expect([stored.width, stored.height]).toEqual([1080, 1080]);

    await settled(job.id, (status) => status === "ready_for_review");
    const [before, erased] = await variantsOf(item.id);
    expect(before).toMatchObject({ review: "rejected" });
    expect(erased).toMatchObject({ origin: "erase", maskKey, review: "pending", width: 1080 });
    const [a, b] = await Promise.all(
      [before!, erased!].map(async (variant) =>
        sharp(await harness.deps.storage.get(variant.storageKey))
          .raw()
          .toBuffer(),
      ),
    );
    expect(a!.equals(b!)).toBe(false);
    const charge = await db().creditLedgerEntry.findFirstOrThrow({
      where: { shop: harness.shop, jobItemId: item.id, kind: "charge" },
    });
    expect(charge.amount).toBe(-1);
    // The item is processing again only through a new request: a stale one is refused.
    await transition(db(), harness.shop, { ...item, status: "ready_for_review" }, "canceled");
    expect((await refusalOf(erase(await maskPng(540, 540)))).status).toBe(409);
  });
});

describe("retry", () => {
  it("gives a failed item a fresh round once its photo is readable again", async () => {
    const gid = product(6);
    const state = harness.shopState();
    const record = state.products.find((p) => `gid://shopify/Product/${p.id}` === gid)!;
    const file = state.files.find((f) => f.id === record.mediaIds[0])!;
    const blobs = harness.store.devStore.store;
    const photo = blobs.readBlob(file.blobKey!)!;
    blobs.writeBlob(file.blobKey!, Buffer.from("not a photo at all"));

    const { job, items } = await runJob(
      { selection: { productIds: [gid] }, recipe: { preset: "social-square" } },
      (status) => status === "failed",
    );
    expect(items[0]!.errorCode).toBeTruthy();
    blobs.writeBlob(file.blobKey!, photo);

    expect((await retryItems(harness.deps, OTHER_SHOP, [items[0]!.id])).refused).toEqual([
      { itemId: items[0]!.id, reason: "not found" },
    ]);
    expect((await retryItems(harness.deps, harness.shop, [items[0]!.id])).done).toEqual([
      items[0]!.id,
    ]);
    const [retried] = await settled(job.id, (status) => status === "ready_for_review");
    expect(retried).toMatchObject({ attempts: 1, errorCode: null, lastError: null });
    expect(await variantsOf(retried!.id)).toHaveLength(1);
    expect((await retryItems(harness.deps, harness.shop, [retried!.id])).refused).toEqual([
      { itemId: retried!.id, reason: "it is ready for review" },
    ]);
  });
});

describe("writing, placement and restore", () => {
  it("adds results first or last as asked, approves all at once and restores a whole product", async () => {
    const [first, last] = [product(0), product(1)];
    const before = harness.catalogLook();
    const jobs = await Promise.all(
      (["first", "last"] as const).map((position, index) =>
        runJob({
          selection: { productIds: [[first, last][index]!] },
          recipe: { preset: "social-square" },
          mode: "add",
          position,
        }),
      ),
    );
    expect(await approveAll(harness.deps, OTHER_SHOP, jobs[0]!.job.id)).toBeNull();
    for (const { job } of jobs) {
      expect((await approveAll(harness.deps, harness.shop, job.id))!.done).toHaveLength(1);
    }
    for (const { job } of jobs) await settled(job.id, (status) => status === "written");

    const after = harness.catalogLook();
    expect(after[first]!.media).toHaveLength(2);
    expect(after[first]!.media.slice(1)).toEqual(before[first]!.media);
    expect(after[last]!.media.slice(0, 1)).toEqual(before[last]!.media);
    expect(after[last]!.media).toHaveLength(2);

    const history = await writeHistory(db(), harness.shop, { productId: first, take: 10 });
    expect(history).toEqual([
      expect.objectContaining({
        productId: first,
        productTitle: productTitle(first),
        state: "written",
        mode: "add",
        method: "add",
        jobId: jobs[0]!.job.id,
        variantStorageKey: expect.stringContaining("/variants/"),
        originalKey: expect.stringContaining("/original."),
      }),
    ]);
    expect(await writeHistory(db(), OTHER_SHOP, { productId: first, take: 10 })).toEqual([]);

    expect((await restoreProduct(harness.deps, harness.shop, first)).done).toHaveLength(1);
    await settled(jobs[0]!.job.id, (status) => status === "restored");
    expect(harness.catalogLook()[first]).toEqual(before[first]);
    const [restored] = await writeHistory(db(), harness.shop, { jobId: jobs[0]!.job.id, take: 10 });
    expect(restored).toMatchObject({ state: "restored", restoredAt: expect.any(Date) });
  });

  it("writes the approved result again when a failed write is retried, without generating anew", async () => {
    const gid = product(4);
    const { job, items } = await runJob({
      selection: { productIds: [gid] },
      recipe: { preset: "social-square" },
    });
    const item = items[0]!;
    const record = harness
      .shopState()
      .products.find((p) => `gid://shopify/Product/${p.id}` === gid)!;
    const media = [...record.mediaIds];
    // The original disappears from the product before the write: Shopify-side, not retryable.
    record.mediaIds.splice(0, record.mediaIds.length);
    await approveAll(harness.deps, harness.shop, job.id);
    const [failed] = await settled(job.id, (status) => status === "failed");
    expect(failed!.errorCode).toBe("media_not_found");

    record.mediaIds.push(...media);
    expect((await retryItems(harness.deps, harness.shop, [item.id])).done).toEqual([item.id]);
    await settled(job.id, (status) => status === "written");
    const variants = await variantsOf(item.id);
    expect(variants).toHaveLength(1);
    expect(variants[0]!.review).toBe("approved");
    expect(
      await db().queueTask.count({
        where: { queue: "job-write", key: `write:${item.id}:${variants[0]!.id}:2` },
      }),
    ).toBe(1);
  });

  it("queues the write of an item left approved by a process that died mid-approval", async () => {
    const { job, items } = await runJob({
      selection: { productIds: [product(7)] },
      recipe: { preset: "social-square" },
    });
    const item = items[0]!;
    // What approveItems does before it queues the write, and nothing more.
    const [variant] = await variantsOf(item.id);
    await db().variant.update({ where: { id: variant!.id }, data: { review: "approved" } });
    await transition(db(), harness.shop, item, "approved", "approved by the merchant");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await itemsOf(job.id))[0]!.status).toBe("approved");

    const later = new Date(Date.now() + 60_000);
    expect(await sweepApprovedWithoutWrite(harness.deps, later)).toBeGreaterThanOrEqual(1);
    await settled(job.id, (status) => status === "written");
    await sweepApprovedWithoutWrite(harness.deps, later);
    expect(
      await db().queueTask.count({
        where: { queue: "job-write", key: { startsWith: `write:${item.id}:` } },
      }),
    ).toBe(1);
  });
});

describe("listings", () => {
  it("pages the shop's jobs newest first and splits active from finished", async () => {
    const all = await db().job.findMany({
      where: { shop: harness.shop },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    const pages: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await listJobs(db(), harness.shop, { take: 3, cursor });
      if (page.length === 0) break;
      pages.push(...page.map((job) => job.id));
      cursor = page[page.length - 1]!.id;
    }
    expect(pages).toEqual(all.map((job) => job.id));
    const [newest] = await listJobs(db(), harness.shop, { take: 1 });
    expect(newest).toMatchObject({
      summary: "Social square · white background",
      recipe: { preset: "social-square", background: { kind: "preset" } },
      itemCount: 1,
    });
    const active = await listJobs(db(), harness.shop, { take: 50, active: true });
    const finished = await listJobs(db(), harness.shop, { take: 50, active: false });
    expect(active.length + finished.length).toBe(all.length);
    expect(finished.every((job) => ["completed", "failed", "canceled"].includes(job.status))).toBe(
      true,
    );
    expect(await listJobs(db(), OTHER_SHOP, { take: 50 })).toEqual([]);
    expect(await listJobs(db(), OTHER_SHOP, { take: 50, cursor: all[0]!.id })).toEqual([]);
  });

  it("gives a job's items a page at a time with their latest result", async () => {
    const scene = (await listJobs(db(), harness.shop, { take: 50 })).find((job) =>
      job.summary.includes("scene"),
    )!;
    const review = await reviewItems(db(), harness.shop, scene.id, { take: 10 });
    expect(review!.job).toMatchObject({ summary: "Social square · White sweep scene" });
    expect(review!.items).toHaveLength(1);
    expect(review!.items[0]!.variant).toMatchObject({
      origin: "regenerate",
      prompt: "on a marble counter",
      review: "pending",
      notes: expect.any(Array),
    });
    expect(review!.nextCursor).toBeNull();

    const two = (await listJobs(db(), harness.shop, { take: 50 })).find(
      (job) => job.itemCount === 2,
    )!;
    const page1 = await reviewItems(db(), harness.shop, two.id, { take: 1 });
    const page2 = await reviewItems(db(), harness.shop, two.id, {
      take: 1,
      cursor: page1!.nextCursor!,
    });
    expect(page1!.items[0]!.productTitle).toBeTruthy();
    expect(page2!.items).toHaveLength(1);
    expect(page2!.items[0]!.id).not.toBe(page1!.items[0]!.id);
    expect(page2!.nextCursor).toBeNull();
    const failed = await reviewItems(db(), harness.shop, two.id, { take: 10, status: "failed" });
    expect(failed!.items).toEqual([]);
    expect(await reviewItems(db(), OTHER_SHOP, two.id, { take: 10 })).toBeNull();
  });

  it("shows the latest result of each item, newest first", async () => {
    const recent = await recentResults(db(), harness.shop, 4);
    expect(recent).toHaveLength(4);
    expect(new Set(recent.map((result) => result.itemId)).size).toBe(4);
    const times = recent.map((result) => result.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(await recentResults(db(), OTHER_SHOP, 4)).toEqual([]);
  });
});
