import fs from "node:fs";

import { APP_URL } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import db from "~/db.server";
import { QUEUES } from "~/jobs/deps.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { action, loader } from "~/routes/app.history";

import { jobWithItems } from "../review/fixtures";
import { adminGet, adminPost, installShops } from "../review/requests";
import { callRoute } from "../support/shopify-requests";

vi.hoisted(() => {
  process.env.STORAGE_DIR = `/tmp/photo-studio-history-${process.pid}-${Date.now()}`;
});

const SHOP = "history-route.myshopify.com";
const OTHER = "history-route-other.myshopify.com";

const written = (productId: string, productTitle: string) => ({
  productId,
  productTitle,
  status: "written",
  variant: { width: 10, height: 10, review: "approved" },
  writeBack: { state: "written" },
});

/** The restore tasks queued for the shop's write-backs, on whichever queue backend runs. */
async function restoreTasks(shop: string) {
  const writeBacks = await db.writeBack.findMany({ where: { shop } });
  const tasks = await Promise.all(
    writeBacks.map((row) => jobRuntime().queue.inspect(QUEUES.restore, `restore:${row.id}`)),
  );
  return tasks.filter((task) => task !== null);
}

afterAll(() => {
  fs.rmSync(process.env.STORAGE_DIR!, { recursive: true, force: true });
});

beforeAll(async () => {
  await installShops(SHOP, OTHER);
});

describe("the history page's loader", () => {
  it("lists what was written to which product, with thumbnails, and filters", async () => {
    const { job } = await jobWithItems(db, SHOP, [
      written("gid://shopify/Product/1", "Mug"),
      written("gid://shopify/Product/2", "Hat"),
    ]);
    await jobWithItems(db, OTHER, [written("gid://shopify/Product/9", "Not yours")]);

    const all = await (await callRoute(loader, await adminGet("/app/history", SHOP))).json();
    expect(all.rows.map((row: { productTitle: string }) => row.productTitle).sort()).toEqual([
      "Hat",
      "Mug",
    ]);
    expect(all.rows[0]).toMatchObject({
      jobId: job.id,
      canRestore: true,
      resultThumb: expect.stringMatching(/^\/files\//),
    });

    const mug = await (
      await callRoute(
        loader,
        await adminGet(
          `/app/history?productId=${encodeURIComponent("gid://shopify/Product/1")}`,
          SHOP,
        ),
      )
    ).json();
    expect(mug.rows.map((row: { productTitle: string }) => row.productTitle)).toEqual(["Mug"]);
    expect(mug.filters).toEqual({ productId: "gid://shopify/Product/1", jobId: null });
    expect(mug.productTitle).toBe("Mug");

    const byJob = await (
      await callRoute(loader, await adminGet(`/app/history?jobId=${job.id}`, SHOP))
    ).json();
    expect(byJob.rows).toHaveLength(2);
  });

  it("ignores a product filter that is not a product id", async () => {
    const body = await (
      await callRoute(loader, await adminGet("/app/history?productId=%3Cscript%3E", SHOP))
    ).json();
    expect(body.filters.productId).toBeNull();
  });

  it("refuses a request without a session token", async () => {
    const response = await callRoute(loader, new Request(`${APP_URL}/app/history`));
    expect([302, 401]).toContain(response.status);
  });
});

describe("restoring originals", () => {
  it("queues the restore of one image", async () => {
    const shop = "history-one.myshopify.com";
    await installShops(shop);
    const { items } = await jobWithItems(db, shop, [
      written("gid://shopify/Product/1", "Mug"),
      written("gid://shopify/Product/1", "Mug"),
    ]);
    const response = await callRoute(
      action,
      await adminPost("/app/history", shop, [
        ["intent", "restoreItems"],
        ["itemId", items[0]!.id],
      ]),
    );
    expect(await response.json()).toEqual({
      ok: true,
      message: "1 image being restored. The originals are back in a moment.",
    });
    expect(await restoreTasks(shop)).toHaveLength(1);
  });

  it("queues the restore of every image of a product, whatever job wrote it", async () => {
    const shop = "history-product.myshopify.com";
    await installShops(shop);
    await jobWithItems(db, shop, [
      written("gid://shopify/Product/1", "Mug"),
      written("gid://shopify/Product/2", "Hat"),
    ]);
    await jobWithItems(db, shop, [written("gid://shopify/Product/1", "Mug")]);
    const response = await callRoute(
      action,
      await adminPost("/app/history", shop, [
        ["intent", "restoreProduct"],
        ["productId", "gid://shopify/Product/1"],
      ]),
    );
    expect((await response.json()).message).toMatch(/^2 images being restored/);
    expect(await restoreTasks(shop)).toHaveLength(2);
  });

  it("queues the restore of a whole job", async () => {
    const shop = "history-job.myshopify.com";
    await installShops(shop);
    const { job } = await jobWithItems(db, shop, [
      written("gid://shopify/Product/1", "Mug"),
      written("gid://shopify/Product/2", "Hat"),
    ]);
    const response = await callRoute(
      action,
      await adminPost("/app/history", shop, [
        ["intent", "restoreJob"],
        ["jobId", job.id],
      ]),
    );
    expect((await response.json()).ok).toBe(true);
    expect(await restoreTasks(shop)).toHaveLength(2);
  });

  it("restores nothing of another shop's", async () => {
    const shop = "history-victim.myshopify.com";
    await installShops(shop);
    const { job, items } = await jobWithItems(db, shop, [
      written("gid://shopify/Product/1", "Mug"),
    ]);
    const one = await callRoute(
      action,
      await adminPost("/app/history", OTHER, [
        ["intent", "restoreItems"],
        ["itemId", items[0]!.id],
      ]),
    );
    expect(await one.json()).toEqual({
      ok: false,
      message: "No images being restored; 1 could not be: not found",
    });
    const whole = await callRoute(
      action,
      await adminPost("/app/history", OTHER, [
        ["intent", "restoreJob"],
        ["jobId", job.id],
      ]),
    );
    expect(await whole.json()).toEqual({
      ok: false,
      message: "Nothing to restore: no image of it is in your store.",
    });
    expect(await restoreTasks(shop)).toHaveLength(0);
  });

  it("answers 422 for a restore without a scope", async () => {
    const response = await callRoute(
      action,
      await adminPost("/app/history", SHOP, [["intent", "restoreProduct"]]),
    );
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      ok: false,
      fieldErrors: { productId: expect.any(String) },
    });
  });
});
