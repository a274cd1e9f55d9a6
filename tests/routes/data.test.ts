import { APP_URL } from "@shopify/shopify-api/test-helpers";
import { beforeAll, describe, expect, it, vi } from "vitest";

import db from "~/db.server";
import { getEnv } from "~/env.server";
import { action, loader } from "~/routes/app.data";
import { loader as exportLoader } from "~/routes/app.data.export";
import { storageFor } from "~/storage/object-storage.server";

import { storedJob } from "../retention/support";
import { adminGet, adminPost, installShops } from "../review/requests";
import { callRoute } from "../support/shopify-requests";

vi.hoisted(() => {
  process.env.STORAGE_DIR = `/tmp/photo-studio-data-route-${process.pid}-${Date.now()}`;
});

const SHOP = "data-route.myshopify.com";
const OTHER = "data-route-other.myshopify.com";
const storage = () => storageFor(getEnv());
const now = new Date();

beforeAll(async () => {
  await installShops(SHOP, OTHER);
});

describe("the Your data page", () => {
  it("lists what is stored, the jobs and products that can be deleted, and the activity", async () => {
    const { job } = await storedJob(db, storage(), SHOP, [
      { status: "canceled", createdAt: now, productId: "gid://shopify/Product/5" },
    ]);
    await storedJob(db, storage(), OTHER, [{ status: "canceled", createdAt: now }]);
    const body = await (await callRoute(loader, await adminGet("/app/data", SHOP))).json();
    expect(body.jobs.map((entry: { value: string }) => entry.value)).toContain(job.id);
    expect(body.jobs).toHaveLength(1);
    expect(body.products).toEqual([{ value: "gid://shopify/Product/5", label: "Product 1" }]);
    expect(body.counts).toMatchObject({ jobs: 1, originals: 1 });
    expect(body.retention).toEqual({ retentionDays: 30, resultRetentionDays: 180 });
  });

  it("refuses a request without a session token", async () => {
    const response = await callRoute(loader, new Request(`${APP_URL}/app/data`));
    expect([302, 401]).toContain(response.status);
    const download = await callRoute(exportLoader, new Request(`${APP_URL}/app/data/export`));
    expect([302, 401]).toContain(download.status);
  });
});

describe("deleting now", () => {
  it("deletes a job's rows and files and says how much went", async () => {
    const shop = "data-delete-job.myshopify.com";
    await installShops(shop);
    const { job, items } = await storedJob(db, storage(), shop, [
      { status: "canceled", createdAt: now },
      { status: "failed", createdAt: now },
    ]);
    const response = await callRoute(
      action,
      await adminPost("/app/data", shop, [
        ["intent", "deleteJob"],
        ["jobId", job.id],
      ]),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      message: "Deleted 2 images and 4 files from Photo Studio.",
    });
    expect(await db.job.count({ where: { shop } })).toBe(0);
    expect(await storage().exists(items[0]!.originalKey)).toBe(false);
    const audit = await db.auditEvent.findMany({ where: { shop } });
    expect(audit).toMatchObject([
      { action: "data.deleted", subjectType: "job", subjectId: job.id },
    ]);
  });

  it("answers 404 for another shop's job or product, and deletes nothing of it", async () => {
    const victim = "data-victim.myshopify.com";
    await installShops(victim);
    const { job, items } = await storedJob(db, storage(), victim, [
      { status: "canceled", createdAt: now, productId: "gid://shopify/Product/31" },
    ]);
    const byJob = await callRoute(
      action,
      await adminPost("/app/data", OTHER, [
        ["intent", "deleteJob"],
        ["jobId", job.id],
      ]),
    );
    expect(byJob.status).toBe(404);
    const missing = await callRoute(
      action,
      await adminPost("/app/data", OTHER, [
        ["intent", "deleteJob"],
        ["jobId", "no-such-job"],
      ]),
    );
    expect(missing.status).toBe(404);
    expect(await byJob.json()).toEqual(await missing.json());
    const byProduct = await callRoute(
      action,
      await adminPost("/app/data", OTHER, [
        ["intent", "deleteProduct"],
        ["productId", "gid://shopify/Product/31"],
      ]),
    );
    expect(byProduct.status).toBe(404);
    expect(await db.job.count({ where: { shop: victim } })).toBe(1);
    expect(await storage().exists(items[0]!.originalKey)).toBe(true);
  });

  it("refuses with 409 and plain words while a product is being written", async () => {
    const shop = "data-busy.myshopify.com";
    await installShops(shop);
    await storedJob(db, storage(), shop, [
      { status: "writing", createdAt: now, productId: "gid://shopify/Product/8" },
    ]);
    const response = await callRoute(
      action,
      await adminPost("/app/data", shop, [
        ["intent", "deleteProduct"],
        ["productId", "gid://shopify/Product/8"],
      ]),
    );
    expect(response.status).toBe(409);
    expect((await response.json()).message).toMatch(/writing images to your store/);
    expect(await db.jobItem.count({ where: { shop } })).toBe(1);
  });

  it("answers 422 with field errors for a malformed request", async () => {
    const response = await callRoute(
      action,
      await adminPost("/app/data", SHOP, [
        ["intent", "deleteProduct"],
        ["productId", "<script>"],
      ]),
    );
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      ok: false,
      fieldErrors: { productId: "Choose a product." },
    });
  });

  it("deletes everything of the shop on request, keeping settings and credits", async () => {
    const shop = "data-delete-all.myshopify.com";
    await installShops(shop);
    await storedJob(db, storage(), shop, [{ status: "canceled", createdAt: now }]);
    await db.shopSettings.create({ data: { shop, retentionDays: 7 } });
    const response = await callRoute(
      action,
      await adminPost("/app/data", shop, [["intent", "deleteAll"]]),
    );
    expect((await response.json()).ok).toBe(true);
    expect(await db.job.count({ where: { shop } })).toBe(0);
    expect(await db.shopSettings.count({ where: { shop } })).toBe(1);
  });
});

describe("the data export download", () => {
  it("is a JSON attachment named for the shop and day, without tokens", async () => {
    const shop = "data-export.myshopify.com";
    await installShops(shop);
    const { job } = await storedJob(db, storage(), shop, [{ status: "canceled", createdAt: now }]);
    const response = await callRoute(exportLoader, await adminGet("/app/data/export", shop));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Content-Disposition")).toBe(
      `attachment; filename="photo-studio-export-${shop}-${new Date().toISOString().slice(0, 10)}.json"`,
    );
    const text = await response.text();
    expect(text).not.toContain("shpat_");
    expect(text).not.toContain(`offline_${shop}`);
    const body = JSON.parse(text);
    expect(body.jobs.map((entry: { id: string }) => entry.id)).toEqual([job.id]);
    const audit = await db.auditEvent.findMany({ where: { shop } });
    expect(audit.map((event) => event.action)).toEqual(["data.exported"]);
  });
});
