import fs from "node:fs";

import { APP_URL } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import db from "~/db.server";
import { loader as listLoader } from "~/routes/app.jobs._index";
import { action as jobAction, loader as jobLoader } from "~/routes/app.jobs.$jobId";

import { jobWithItems } from "../review/fixtures";
import { adminGet, adminPost, installShops } from "../review/requests";
import { callRoute } from "../support/shopify-requests";

vi.hoisted(() => {
  process.env.STORAGE_DIR = `/tmp/photo-studio-jobs-pages-${process.pid}-${Date.now()}`;
});

const SHOP = "jobs-pages.myshopify.com";
const OTHER = "jobs-pages-other.myshopify.com";

const withJob =
  (fn: typeof jobLoader | typeof jobAction, jobId: string) =>
  (args: Parameters<typeof jobLoader>[0]) =>
    fn({ ...args, params: { jobId } });

async function statusOf(itemId: string) {
  return (await db.jobItem.findUniqueOrThrow({ where: { id: itemId } })).status;
}

afterAll(() => {
  fs.rmSync(process.env.STORAGE_DIR!, { recursive: true, force: true });
});

beforeAll(async () => {
  await installShops(SHOP, OTHER);
});

describe("the job list", () => {
  it("lists the shop's jobs with their recipe, status and counts, and no other shop's", async () => {
    const { job } = await jobWithItems(db, SHOP, [
      { status: "written", variant: { width: 1, height: 1 } },
      { status: "failed" },
    ]);
    const { job: foreign } = await jobWithItems(db, OTHER, [{ status: "queued" }]);
    const response = await callRoute(listLoader, await adminGet("/app/jobs", SHOP));
    expect(response.status).toBe(200);
    const body = await response.json();
    const row = body.rows.find((r: { id: string }) => r.id === job.id);
    expect(row).toMatchObject({
      summary: expect.stringMatching(/Amazon/),
      itemCount: 2,
      writtenCount: 1,
      failedCount: 1,
      percent: 100,
    });
    expect(body.rows.map((r: { id: string }) => r.id)).not.toContain(foreign.id);
  });

  it("is empty for a shop without jobs", async () => {
    const shop = "jobs-pages-new.myshopify.com";
    await installShops(shop);
    const body = await (await callRoute(listLoader, await adminGet("/app/jobs", shop))).json();
    expect(body).toEqual({ rows: [], nextCursor: null });
  });

  it("ignores a cursor that is not an id", async () => {
    await jobWithItems(db, SHOP, [{ status: "queued" }]);
    const body = await (
      await callRoute(listLoader, await adminGet("/app/jobs?cursor=%27%20OR%201%3D1", SHOP))
    ).json();
    expect(body.rows.length).toBeGreaterThan(0);
  });
});

describe("the job page", () => {
  it("answers the job's progress, its recipe and the names of its products", async () => {
    const { job } = await jobWithItems(db, SHOP, [
      { status: "failed", productTitle: "Red scarf", errorCode: "media_not_found" },
      { status: "processing", productTitle: "Green hat" },
    ]);
    const response = await callRoute(
      withJob(jobLoader, job.id),
      await adminGet(`/app/jobs/${job.id}`, SHOP),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const body = await response.json();
    expect(body.job).toMatchObject({
      id: job.id,
      summary: expect.stringMatching(/Amazon/),
      canceled: false,
    });
    expect(body.progress).toMatchObject({ total: 2, counts: { failed: 1, processing: 1 } });
    expect(body.progress.errors[0]).toMatchObject({ code: "media_not_found" });
    expect(Object.values(body.productTitles).sort()).toEqual(["Green hat", "Red scarf"]);
  });

  it("answers another shop's job exactly like a missing one", async () => {
    const { job } = await jobWithItems(db, SHOP, [{ status: "queued" }]);
    const foreign = await callRoute(
      withJob(jobLoader, job.id),
      await adminGet(`/app/jobs/${job.id}`, OTHER),
    );
    const missing = await callRoute(
      withJob(jobLoader, "missing"),
      await adminGet(`/app/jobs/missing`, OTHER),
    );
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual(await missing.json());
  });

  it("refuses a request without a session token", async () => {
    const response = await callRoute(withJob(jobLoader, "x"), new Request(`${APP_URL}/app/jobs/x`));
    expect([302, 401]).toContain(response.status);
  });
});

describe("the job page's actions", () => {
  it("retries failed images and says how many", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "failed", errorCode: "THROTTLED" },
      { status: "failed", errorCode: "corrupt" },
      { status: "written", variant: { width: 1, height: 1 } },
    ]);
    const response = await callRoute(
      withJob(jobAction, job.id),
      await adminPost(`/app/jobs/${job.id}`, SHOP, [
        ["intent", "retry"],
        ["itemId", items[0]!.id],
        ["itemId", items[1]!.id],
        ["itemId", items[2]!.id],
      ]),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      message: "2 images queued again; 1 could not be: it is written",
    });
    expect(await statusOf(items[0]!.id)).toBe("queued");
    expect(await statusOf(items[1]!.id)).toBe("queued");
    expect(await statusOf(items[2]!.id)).toBe("written");
  });

  it("does not retry another job's images from this job's page", async () => {
    const { job } = await jobWithItems(db, SHOP, [{ status: "failed" }]);
    const other = await jobWithItems(db, SHOP, [{ status: "failed" }]);
    const response = await callRoute(
      withJob(jobAction, job.id),
      await adminPost(`/app/jobs/${job.id}`, SHOP, [
        ["intent", "retry"],
        ["itemId", other.items[0]!.id],
      ]),
    );
    expect(await response.json()).toEqual({
      ok: false,
      message: "No images queued again; 1 could not be: not found",
    });
    expect(await statusOf(other.items[0]!.id)).toBe("failed");
  });

  it("cancels what has not run yet and keeps what is in the store", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [
      { status: "queued" },
      { status: "ready_for_review", variant: { width: 1, height: 1 } },
      { status: "written", variant: { width: 1, height: 1 } },
    ]);
    const response = await callRoute(
      withJob(jobAction, job.id),
      await adminPost(`/app/jobs/${job.id}`, SHOP, [["intent", "cancel"]]),
    );
    expect(await response.json()).toEqual({ ok: true, message: "Job canceled: 2 images stop." });
    expect(await Promise.all(items.map((item) => statusOf(item.id)))).toEqual([
      "canceled",
      "canceled",
      "written",
    ]);
  });

  it("answers 404 when another shop tries to cancel the job", async () => {
    const { job, items } = await jobWithItems(db, SHOP, [{ status: "queued" }]);
    const response = await callRoute(
      withJob(jobAction, job.id),
      await adminPost(`/app/jobs/${job.id}`, OTHER, [["intent", "cancel"]]),
    );
    expect(response.status).toBe(404);
    expect(await statusOf(items[0]!.id)).toBe("queued");
  });

  it("answers 422 for an action the page does not offer", async () => {
    const { job } = await jobWithItems(db, SHOP, [{ status: "queued" }]);
    const response = await callRoute(
      withJob(jobAction, job.id),
      await adminPost(`/app/jobs/${job.id}`, SHOP, [["intent", "approveAll"]]),
    );
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      fieldErrors: { intent: "This action is not available here." },
    });
  });
});
