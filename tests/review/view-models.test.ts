import { API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import sharp from "sharp";
import { describe, expect, it } from "vitest";

import db from "~/db.server";
import { historyView } from "~/review/history-view.server";
import { jobPageView } from "~/review/job-view.server";
import { JOBS_PAGE_SIZE, jobsView } from "~/review/jobs-view.server";
import { bucketedTtl, imageLink } from "~/review/links.server";
import { pngSize, readMask } from "~/review/mask.server";
import { REVIEW_PAGE_SIZE, reviewPreviews, reviewView } from "~/review/review-view.server";
import { verifyFileToken } from "~/storage/signed-url.server";

import { jobWithItems } from "./fixtures";

const SHOP = "view-models.myshopify.com";
const OTHER = "someone-else.myshopify.com";

describe("signed image links", () => {
  it("expire at a half-hour boundary, 30 to 60 minutes away", () => {
    for (const now of [
      Date.UTC(2026, 0, 1, 10, 0, 0),
      Date.UTC(2026, 0, 1, 10, 29, 59),
      Date.UTC(2026, 0, 1, 10, 17, 3),
    ]) {
      const ttl = bucketedTtl(now);
      expect(ttl).toBeGreaterThan(30 * 60 - 1);
      expect(ttl).toBeLessThanOrEqual(60 * 60);
      expect((Math.floor(now / 1000) + ttl) % 1800).toBe(0);
    }
  });

  it("stay the same for every request within a bucket, so images are not fetched again", () => {
    const key = `shops/${SHOP}/jobs/j1/items/i1/original.jpg`;
    const first = imageLink(SHOP, key, "thumb", Date.UTC(2026, 0, 1, 10, 1, 0));
    const later = imageLink(SHOP, key, "thumb", Date.UTC(2026, 0, 1, 10, 28, 0));
    const nextBucket = imageLink(SHOP, key, "thumb", Date.UTC(2026, 0, 1, 10, 31, 0));
    expect(later).toBe(first);
    expect(nextBucket).not.toBe(first);
    expect(first.startsWith("/files/")).toBe(true);
  });
});

describe("the review view", () => {
  it("gives each item signed thumbnails, its status and its result's shape", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      {
        status: "ready_for_review",
        productTitle: "Blue mug",
        variant: {
          width: 1600,
          height: 1200,
          notes: [{ code: "upscaled", message: "Enlarged 2×." }],
        },
      },
      { status: "failed", errorCode: "corrupt", lastError: "bad bytes" },
      { status: "processing" },
    ]);
    const view = await reviewView(db, SHOP, job.id);
    expect(view).not.toBeNull();
    const [ready, failed, processing] = view!.tiles;
    expect(ready).toMatchObject({
      id: items[0]!.id,
      productTitle: "Blue mug",
      status: "ready_for_review",
      aspectRatio: 4 / 3,
      error: null,
    });
    expect(ready!.result).toMatchObject({ width: 1600, height: 1200, notes: ["Enlarged 2×."] });
    expect(ready!.result!.thumb).toMatch(/^\/files\//);
    expect(ready!.original!.thumb).toMatch(/^\/files\//);
    expect(failed!.error!.what).toBe(
      "The original photo is damaged or incomplete, so it could not be opened.",
    );
    expect(processing!.result).toBeNull();
    expect(processing!.aspectRatio).toBe(1);
    expect(view!.job.summary).toMatch(/Amazon/);
  });

  it("prices regenerate and erase with the one credit wording", async () => {
    const { job } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
    ]);
    const view = await reviewView(db, SHOP, job.id);
    // Amazon removes the background: one AI step, one credit, on every regenerate.
    expect(view!.costs.regenerate).toEqual({ credits: 1, label: "1 credit" });
    expect(view!.costs.erase).toEqual({ credits: 1, label: "1 credit" });
    expect(view!.credits.available).toBeGreaterThanOrEqual(0);
    expect(view!.job.scene).toBe(false);
  });

  it("links only to the shop's own files", async () => {
    const { job } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
    ]);
    const view = await reviewView(db, SHOP, job.id);
    const token = view!.tiles[0]!.result!.thumb.slice("/files/".length);
    const verified = verifyFileToken(token, { secret: API_SECRET_KEY });
    expect(verified).toMatchObject({ ok: true, claims: { shop: SHOP, size: "thumb" } });
    expect(verified.ok && verified.claims.key.startsWith(`shops/${SHOP}/`)).toBe(true);
  });

  it("filters by status and pages through long jobs", async () => {
    const specs = Array.from({ length: REVIEW_PAGE_SIZE + 3 }, (_, index) => ({
      status: index % 2 === 0 ? "ready_for_review" : "failed",
      variant: { width: 10, height: 10 },
    }));
    const { job } = await jobWithItems(db, SHOP, specs);
    const first = await reviewView(db, SHOP, job.id);
    expect(first!.tiles).toHaveLength(REVIEW_PAGE_SIZE);
    expect(first!.nextCursor).toBe(first!.tiles.at(-1)!.id);
    const second = await reviewView(db, SHOP, job.id, { cursor: first!.nextCursor! });
    expect(second!.tiles).toHaveLength(3);
    expect(second!.nextCursor).toBeNull();
    const failedOnly = await reviewView(db, SHOP, job.id, { status: "failed" });
    expect(failedOnly!.tiles.every((tile) => tile.status === "failed")).toBe(true);
    expect(failedOnly!.tiles).toHaveLength(Math.floor(specs.length / 2));
  });

  it("answers another shop's job like a missing one", async () => {
    const { job } = await jobWithItems(db, SHOP, [{ status: "queued" }]);
    expect(await reviewView(db, OTHER, job.id)).toBeNull();
    expect(await reviewView(db, SHOP, "no-such-job")).toBeNull();
  });

  it("signs one item's previews when its detail view opens, for its shop only", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
      { status: "processing" },
    ]);
    const view = await reviewView(db, SHOP, job.id);
    const previews = await reviewPreviews(db, SHOP, job.id, items[0]!.id);
    const claims = (link: string | null) => {
      const verified = verifyFileToken(link!.slice("/files/".length), { secret: API_SECRET_KEY });
      return verified.ok ? verified.claims : null;
    };
    const thumb = claims(view!.tiles[0]!.result!.thumb)!;
    expect(claims(previews!.result)).toMatchObject({ key: thumb.key, size: "preview" });
    expect(claims(previews!.original)).toMatchObject({
      key: claims(view!.tiles[0]!.original!.thumb)!.key,
      size: "preview",
    });
    expect((await reviewPreviews(db, SHOP, job.id, items[1]!.id))!.result).toBeNull();
    expect(await reviewPreviews(db, OTHER, job.id, items[0]!.id)).toBeNull();
    expect(await reviewPreviews(db, SHOP, "another-job", items[0]!.id)).toBeNull();
  });
});

describe("the job page view", () => {
  it("names the job's products and carries its progress", async () => {
    const { job } = await jobWithItems(db, SHOP, [
      { status: "failed", productTitle: "Red scarf", errorCode: "THROTTLED" },
      { status: "queued", productTitle: "Green hat" },
    ]);
    const view = await jobPageView(db, SHOP, job.id);
    expect(view!.job.summary).toMatch(/Amazon/);
    expect(Object.values(view!.productTitles).sort()).toEqual(["Green hat", "Red scarf"]);
    expect(view!.progress.counts).toMatchObject({ failed: 1, queued: 1 });
    expect(view!.progress.errors[0]).toMatchObject({ code: "THROTTLED" });
    expect(await jobPageView(db, OTHER, job.id)).toBeNull();
  });
});

describe("the job list view", () => {
  it("lists the shop's jobs newest first with their progress, a page at a time", async () => {
    const shop = "job-list.myshopify.com";
    const created = [];
    for (let n = 0; n < JOBS_PAGE_SIZE + 1; n++) {
      created.push(
        (
          await jobWithItems(db, shop, [
            { status: "written", variant: { width: 1, height: 1 } },
            { status: "queued" },
          ])
        ).job,
      );
    }
    await jobWithItems(db, OTHER, [{ status: "queued" }]);
    const first = await jobsView(db, shop);
    expect(first.rows).toHaveLength(JOBS_PAGE_SIZE);
    expect(first.rows[0]).toMatchObject({
      itemCount: 2,
      writtenCount: 1,
      percent: 50,
      summary: expect.stringMatching(/Amazon/),
    });
    expect(first.nextCursor).not.toBeNull();
    const second = await jobsView(db, shop, { cursor: first.nextCursor });
    expect(second.rows).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.rows, ...second.rows].map((row) => row.id);
    expect(new Set(ids)).toEqual(new Set(created.map((job) => job.id)));
  });
});

describe("the history view", () => {
  it("shows what was written where, offers restore for what is in the store, and filters", async () => {
    const shop = "history-view.myshopify.com";
    const { job } = await jobWithItems(db, shop, [
      {
        productId: "gid://shopify/Product/1",
        productTitle: "Mug",
        status: "written",
        variant: { width: 5, height: 5 },
        writeBack: { state: "written" },
      },
      {
        productId: "gid://shopify/Product/2",
        productTitle: "Hat",
        status: "restored",
        variant: { width: 5, height: 5 },
        writeBack: { state: "restored", restoredAt: new Date() },
      },
      {
        productId: "gid://shopify/Product/2",
        productTitle: "Hat",
        status: "ready_for_review",
        variant: { width: 5, height: 5 },
      },
    ]);
    const all = await historyView(db, shop, {});
    expect(all.rows).toHaveLength(2);
    const mug = all.rows.find((row) => row.productTitle === "Mug")!;
    expect(mug).toMatchObject({ jobId: job.id, state: "written", canRestore: true });
    expect(mug.resultThumb).toMatch(/^\/files\//);
    expect(mug.originalThumb).toMatch(/^\/files\//);
    expect(all.rows.find((row) => row.productTitle === "Hat")).toMatchObject({
      canRestore: false,
      state: "restored",
    });
    expect(all.jobOptions.map((option) => option.value)).toContain(job.id);

    const hat = await historyView(db, shop, { productId: "gid://shopify/Product/2" });
    expect(hat.rows.map((row) => row.productTitle)).toEqual(["Hat"]);
    expect(hat.productTitle).toBe("Hat");
    expect((await historyView(db, OTHER, {})).rows).toEqual([]);
  });
});

describe("the eraser's mask", () => {
  it("accepts a PNG and reads its size", async () => {
    const png = await sharp({ create: { width: 30, height: 20, channels: 3, background: "#000" } })
      .png()
      .toBuffer();
    expect(pngSize(png)).toEqual({ width: 30, height: 20 });
    const read = await readMask(new File([new Uint8Array(png)], "mask.png", { type: "image/png" }));
    expect(read.ok && read.mask.equals(png)).toBe(true);
  });

  it("refuses anything that is not a PNG file, in words", async () => {
    const jpeg = await sharp({ create: { width: 30, height: 20, channels: 3, background: "#000" } })
      .jpeg()
      .toBuffer();
    expect(await readMask(new File([new Uint8Array(jpeg)], "mask.png"))).toEqual({
      ok: false,
      message: "The painted area could not be read. Paint it again.",
    });
    expect(await readMask("iVBORw0KGgo=")).toEqual({
      ok: false,
      message: "Paint over what you want to erase first.",
    });
    expect(await readMask(null)).toMatchObject({ ok: false });
  });
});
