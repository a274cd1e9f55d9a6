import fs from "node:fs";

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import db from "~/db.server";
import { action, loader } from "~/routes/app.jobs.$jobId_.review";

import { jobWithItems } from "../review/fixtures";
import { adminGet, adminPost, installShops } from "../review/requests";
import { callRoute } from "../support/shopify-requests";

vi.hoisted(() => {
  process.env.STORAGE_DIR = `/tmp/photo-studio-review-alt-${process.pid}-${Date.now()}`;
});

const SHOP = "review-alt.myshopify.com";
const OTHER = "review-alt-other.myshopify.com";

const route =
  (fn: typeof loader | typeof action, jobId: string) => (args: Parameters<typeof loader>[0]) =>
    fn({ ...args, params: { jobId } });

async function setAlt(jobId: string, shop: string, itemId: string, altText: string) {
  return callRoute(
    route(action, jobId),
    await adminPost(`/app/jobs/${jobId}/review`, shop, [
      ["intent", "altText"],
      ["itemId", itemId],
      ["altText", altText],
    ]),
  );
}

const resultAlt = async (itemId: string) =>
  (await db.variant.findFirstOrThrow({ where: { jobItemId: itemId } })).altText;

beforeAll(async () => {
  await installShops(SHOP, OTHER);
});

afterAll(() => {
  fs.rmSync(process.env.STORAGE_DIR!, { recursive: true, force: true });
});

describe("alt text edited in review", () => {
  it("is saved on the result waiting for review, and the page shows it", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", productTitle: "Teapot", variant: { width: 800, height: 800 } },
    ]);
    const item = items[0]!;
    const response = await setAlt(job.id, SHOP, item.id, "  Blue teapot   on a marble counter ");
    expect(response.status).toBe(200);
    expect(await resultAlt(item.id)).toBe("Blue teapot on a marble counter");

    const page = await callRoute(
      route(loader, job.id),
      await adminGet(`/app/jobs/${job.id}/review`, SHOP),
    );
    expect((await page.json()).tiles[0].result.altText).toBe("Blue teapot on a marble counter");

    // Emptied: the original photo's alt text goes with the image instead.
    await setAlt(job.id, SHOP, item.id, "");
    expect(await resultAlt(item.id)).toBeNull();
  });

  it("refuses a result already decided, and another shop's item answers as missing", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "approved", variant: { width: 10, height: 10, review: "approved" } },
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
    ]);
    expect((await setAlt(job.id, SHOP, items[0]!.id, "Too late")).status).toBe(409);
    expect(await resultAlt(items[0]!.id)).toBeNull();
    expect((await setAlt(job.id, OTHER, items[1]!.id, "Not mine")).status).toBe(404);
    expect(await resultAlt(items[1]!.id)).toBeNull();
  });

  it("refuses alt text longer than Shopify keeps", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
    ]);
    const response = await setAlt(job.id, SHOP, items[0]!.id, "x".repeat(513));
    expect(response.status).toBe(422);
  });
});
