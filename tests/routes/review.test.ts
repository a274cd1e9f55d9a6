import fs from "node:fs";

import { APP_URL } from "@shopify/shopify-api/test-helpers";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { creditBalance, creditSummary, holdCredits } from "~/billing/ledger.server";
import db from "~/db.server";
import { QUEUES } from "~/jobs/deps.server";
import { writeKey } from "~/jobs/generate.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { action, loader } from "~/routes/app.jobs.$jobId_.review";
import { loader as previewsLoader } from "~/routes/app.jobs.$jobId_.items.$itemId.previews";

import { jobWithItems } from "../review/fixtures";
import { adminGet, adminPost, installShops } from "../review/requests";
import { callRoute } from "../support/shopify-requests";

vi.hoisted(() => {
  // The eraser keeps masks in storage: a folder of this run, not the project's data/.
  process.env.STORAGE_DIR = `/tmp/photo-studio-review-route-${process.pid}-${Date.now()}`;
});

const SHOP = "review-shop.myshopify.com";
const OTHER = "review-other.myshopify.com";

const route =
  (fn: typeof loader | typeof action, jobId: string) => (args: Parameters<typeof loader>[0]) =>
    fn({ ...args, params: { jobId } });

async function post(jobId: string, shop: string, fields: Array<[string, string | Blob]>) {
  return callRoute(
    route(action, jobId),
    await adminPost(`/app/jobs/${jobId}/review`, shop, fields),
  );
}

async function statusOf(itemId: string) {
  return (await db.jobItem.findUniqueOrThrow({ where: { id: itemId } })).status;
}

afterAll(() => {
  fs.rmSync(process.env.STORAGE_DIR!, { recursive: true, force: true });
});

beforeAll(async () => {
  await installShops(SHOP, OTHER);
});

describe("the review page's loader", () => {
  it("answers the job's shop with tiles, costs and credits", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", productTitle: "Teapot", variant: { width: 800, height: 600 } },
    ]);
    const response = await callRoute(
      route(loader, job.id),
      await adminGet(`/app/jobs/${job.id}/review`, SHOP),
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.tiles[0]).toMatchObject({
      id: items[0]!.id,
      productTitle: "Teapot",
      status: "ready_for_review",
    });
    expect(body.tiles[0].result.thumb).toMatch(/^\/files\//);
    expect(body.costs.regenerate.label).toBe("1 credit");
    // The first visit of the period grants the plan's included credits.
    expect(body.credits.available).toBeGreaterThan(0);
  });

  it("filters by status from the query string", async () => {
    const { job } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
      { status: "failed", errorCode: "corrupt" },
    ]);
    const response = await callRoute(
      route(loader, job.id),
      await adminGet(`/app/jobs/${job.id}/review?status=failed`, SHOP),
    );
    const body = await response.json();
    expect(body.tiles.map((tile: { status: string }) => tile.status)).toEqual(["failed"]);
  });

  it("answers another shop's job exactly like a missing one", async () => {
    const { job } = await jobWithItems(db, SHOP, [{ status: "queued" }]);
    const foreign = await callRoute(
      route(loader, job.id),
      await adminGet(`/app/jobs/${job.id}/review`, OTHER),
    );
    const missing = await callRoute(
      route(loader, "nope"),
      await adminGet(`/app/jobs/nope/review`, OTHER),
    );
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await foreign.json()).toEqual(await missing.json());
  });

  it("refuses a request without a session token", async () => {
    const response = await callRoute(
      route(loader, "x"),
      new Request(`${APP_URL}/app/jobs/x/review`),
    );
    expect([302, 401]).toContain(response.status);
  });
});

describe("the detail view's previews", () => {
  const previews = async (jobId: string, itemId: string, shop: string) =>
    callRoute(
      (args) => previewsLoader({ ...args, params: { jobId, itemId } }),
      await adminGet(`/app/jobs/${jobId}/items/${itemId}/previews`, shop),
    );

  it("signs the opened item's original and result at preview size", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 800, height: 600 } },
    ]);
    const response = await previews(job.id, items[0]!.id, SHOP);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.original).toMatch(/^\/files\//);
    expect(body.result).toMatch(/^\/files\//);
  });

  it("answers another shop's item, or an item of another job, like a missing one", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [{ status: "ready_for_review" }]);
    const { job: otherJob } = await jobWithItems(db, SHOP, [{ status: "queued" }]);
    const foreign = await previews(job.id, items[0]!.id, OTHER);
    const wrongJob = await previews(otherJob.id, items[0]!.id, SHOP);
    const missing = await previews(job.id, "nope", SHOP);
    for (const response of [foreign, wrongJob, missing]) expect(response.status).toBe(404);
    expect(await foreign.json()).toEqual(await missing.json());
  });
});

describe("approving and rejecting", () => {
  it("approves one result, answers its new status and queues the write", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
    ]);
    const itemId = items[0]!.id;
    const response = await post(job.id, SHOP, [
      ["intent", "approve"],
      ["itemId", itemId],
      ["source", "tile"],
    ]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      message: "1 image approved",
      statuses: { [itemId]: "approved" },
    });
    expect(await statusOf(itemId)).toBe("approved");
    const variant = await db.variant.findFirstOrThrow({ where: { shop: SHOP, jobItemId: itemId } });
    expect(
      await jobRuntime().queue.inspect(QUEUES.write, writeKey(itemId, variant.id, 1)),
    ).not.toBeNull();
  });

  it("rejects a result", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
    ]);
    const response = await post(job.id, SHOP, [
      ["intent", "reject"],
      ["itemId", items[0]!.id],
    ]);
    expect(await response.json()).toMatchObject({
      ok: true,
      statuses: { [items[0]!.id]: "canceled" },
    });
    expect(await statusOf(items[0]!.id)).toBe("canceled");
  });

  it("approves everything waiting for review with Approve all, and nothing else", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
      { status: "failed" },
    ]);
    const response = await post(job.id, SHOP, [["intent", "approveAll"]]);
    expect(await response.json()).toMatchObject({ ok: true, message: "2 images approved" });
    expect(await Promise.all(items.map((item) => statusOf(item.id)))).toEqual([
      "approved",
      "approved",
      "failed",
    ]);
  });

  it("says why an image could not be approved", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
      { status: "written", variant: { width: 10, height: 10 } },
    ]);
    const response = await post(job.id, SHOP, [
      ["intent", "approve"],
      ["itemId", items[0]!.id],
      ["itemId", items[1]!.id],
    ]);
    expect(await response.json()).toMatchObject({
      ok: true,
      message: "1 image approved; 1 could not be: it is written",
    });
  });

  it("never acts on another job's or another shop's images", async () => {
    const { job } = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
    ]);
    const other = await jobWithItems(db, SHOP, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
    ]);
    const otherItem = other.items[0]!.id;

    const crossJob = await post(job.id, SHOP, [
      ["intent", "approve"],
      ["itemId", otherItem],
    ]);
    expect(crossJob.status).toBe(404);
    const crossShop = await post(other.job.id, OTHER, [
      ["intent", "approve"],
      ["itemId", otherItem],
    ]);
    expect(crossShop.status).toBe(404);
    expect(await statusOf(otherItem)).toBe("ready_for_review");
  });

  it("answers 422 with field errors for a malformed post", async () => {
    const { job } = await jobWithItems(db, SHOP, [{ status: "queued" }]);
    const response = await post(job.id, SHOP, [["intent", "approve"]]);
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      ok: false,
      fieldErrors: { itemIds: expect.any(String) },
    });
  });
});

describe("regenerating", () => {
  it("refuses with the balance in words when credits run short, and changes nothing", async () => {
    const shop = "review-broke.myshopify.com";
    await installShops(shop);
    const { job, items } = await jobWithItems(db, shop, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
    ]);
    // Everything this period grants is already promised to another job.
    const { available } = await creditSummary(db, shop);
    await holdCredits(db, shop, {
      jobId: job.id,
      amount: available,
      idempotencyKey: "drain",
      description: "another job",
    });
    const response = await post(job.id, shop, [
      ["intent", "regenerate"],
      ["itemId", items[0]!.id],
    ]);
    expect(response.status).toBe(402);
    expect((await response.json()).message).toBe(
      "Not enough credits: this needs 1 credit and you have none left.",
    );
    expect(await statusOf(items[0]!.id)).toBe("ready_for_review");
  });

  it("charges the shown cost and makes the result again", async () => {
    const shop = "review-regenerate.myshopify.com";
    await installShops(shop);
    const before = (await creditSummary(db, shop)).available;
    const { job, items } = await jobWithItems(db, shop, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
    ]);
    const response = await post(job.id, shop, [
      ["intent", "regenerate"],
      ["itemId", items[0]!.id],
    ]);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      ok: true,
      statuses: { [items[0]!.id]: "processing" },
    });
    expect(await statusOf(items[0]!.id)).toBe("processing");
    expect((await creditBalance(db, shop)).available).toBe(before - 1);
  });

  it("takes an edited prompt only for a scene, in the engine's words", async () => {
    const shop = "review-prompt.myshopify.com";
    await installShops(shop);
    const before = (await creditSummary(db, shop)).available;
    const { job, items } = await jobWithItems(db, shop, [
      { status: "ready_for_review", variant: { width: 10, height: 10 } },
    ]);
    const response = await post(job.id, shop, [
      ["intent", "regenerate"],
      ["itemId", items[0]!.id],
      ["prompt", "on a beach"],
    ]);
    expect(response.status).toBe(422);
    expect((await response.json()).message).toMatch(/plain background/);
    expect((await creditBalance(db, shop)).available).toBe(before);
  });

  it("refuses an image that is no longer waiting for review", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "written", variant: { width: 10, height: 10 } },
    ]);
    const response = await post(job.id, SHOP, [
      ["intent", "regenerate"],
      ["itemId", items[0]!.id],
    ]);
    expect(response.status).toBe(409);
  });
});

describe("the magic eraser", () => {
  const mask = async (width: number, height: number) =>
    new File(
      [
        new Uint8Array(
          await sharp({ create: { width, height, channels: 3, background: "#000" } })
            .composite([
              {
                input: { create: { width: 4, height: 4, channels: 3, background: "#fff" } },
                left: 2,
                top: 2,
              },
            ])
            .png()
            .toBuffer(),
        ),
      ],
      "mask.png",
      { type: "image/png" },
    );

  it("keeps the painted mask, charges the erase and makes a new result", async () => {
    const shop = "review-erase.myshopify.com";
    await installShops(shop);
    const before = (await creditSummary(db, shop)).available;
    const { job, items } = await jobWithItems(db, shop, [
      { status: "ready_for_review", variant: { width: 40, height: 30 } },
    ]);
    const response = await post(job.id, shop, [
      ["intent", "erase"],
      ["itemId", items[0]!.id],
      ["mask", await mask(40, 30)],
    ]);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      ok: true,
      statuses: { [items[0]!.id]: "processing" },
    });
    expect((await creditBalance(db, shop)).available).toBe(before - 1);
  });

  it("refuses a mask that is not a PNG before charging anything", async () => {
    const shop = "review-erase-bad.myshopify.com";
    await installShops(shop);
    const before = (await creditSummary(db, shop)).available;
    const { job, items } = await jobWithItems(db, shop, [
      { status: "ready_for_review", variant: { width: 40, height: 30 } },
    ]);
    const notPng = new File([Buffer.from("hello")], "mask.png");
    const response = await post(job.id, shop, [
      ["intent", "erase"],
      ["itemId", items[0]!.id],
      ["mask", notPng],
    ]);
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      ok: false,
      fieldErrors: { mask: expect.any(String) },
    });
    const wrongShape = await post(job.id, shop, [
      ["intent", "erase"],
      ["itemId", items[0]!.id],
      ["mask", await mask(40, 40)],
    ]);
    expect(wrongShape.status).toBe(422);
    expect((await creditBalance(db, shop)).available).toBe(before);
    expect(await statusOf(items[0]!.id)).toBe("ready_for_review");
  });
});
