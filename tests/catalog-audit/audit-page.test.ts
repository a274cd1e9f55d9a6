import {
  API_KEY,
  API_SECRET_KEY,
  APP_URL,
  TEST_SHOP,
  TEST_SHOP_NAME,
  getJwt,
} from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import db from "~/db.server";
import { action, loader } from "~/routes/app.audit";
import { loader as newJobLoader } from "~/routes/app.jobs.new";

import { seedDefectCatalog } from "../../emulators/shopify/src/seed-defects";
import { adminData } from "../catalog/support";
import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";
import { callRoute } from "../support/shopify-requests";

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let ids: Record<string, string>;

async function bearer() {
  const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY);
  return { Authorization: `Bearer ${token}`, Origin: "https://admin.shopify.com" };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

async function load(
  route: typeof loader | typeof newJobLoader = loader,
  path = "/app/audit",
): Promise<{ status: number; body: Body }> {
  const response = await callRoute(
    route,
    new Request(`${APP_URL}${path}`, { headers: await bearer() }),
  );
  return { status: response.status, body: await response.json() };
}

async function submit(fields: Record<string, string>) {
  const request = new Request(`${APP_URL}/app/audit`, {
    method: "POST",
    headers: await bearer(),
    body: new URLSearchParams(fields),
  });
  return callRoute(action, request);
}

/** Loads the page until `done` says what it shows is final, as the page's polling does. */
async function loadUntil(done: (body: Body) => boolean): Promise<Body> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { body } = await load();
    if (done(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the page never finished");
}

beforeAll(async () => {
  harness = await startTestDevStore();
  const shop = harness.devStore.createShop({ domain: TEST_SHOP, name: "Audit Page" });
  ids = await seedDefectCatalog(harness.devStore.store, shop);
  expect((await openAppAsMerchant(TEST_SHOP)).status).toBe(200);
  await db.catalogAuditRun.deleteMany({ where: { shop: TEST_SHOP } });
  await db.altTextFillRun.deleteMany({ where: { shop: TEST_SHOP } });
});

afterAll(async () => {
  await harness?.close();
});

describe("the catalog health page", () => {
  it("refuses a request without a session token", async () => {
    const response = await callRoute(loader, new Request(`${APP_URL}/app/audit`));
    expect(response.status).not.toBe(200);
  });

  it("offers the first check when there is none", async () => {
    const { status, body } = await load();
    expect(status).toBe(200);
    expect(body).toMatchObject({ latest: null, trend: [], fill: null });
  });

  it("refuses a minimum image count that is not a small whole number", async () => {
    const response = await submit({ intent: "start", minImages: "0" });
    expect(response.status).toBe(422);
    expect((await response.json()).fieldErrors).toHaveProperty("minImages");
  });

  it("starts a check, shows its progress, then the score, groups and fix links", async () => {
    const started = await submit({ intent: "start", minImages: "3" });
    expect(started.status).toBe(200);
    const body = await loadUntil((page) => page.latest?.status !== "running");
    expect(body.latest).toMatchObject({ status: "completed", score: 78, productCount: 9 });
    expect(body.trend).toHaveLength(1);
    const groups = Object.fromEntries(
      (body.latest.groups as Body[]).map((group) => [group.id, group]),
    );
    expect(groups.below1000).toMatchObject({ productCount: 1, imageCount: 3 });
    expect(groups.below1000.examples).toHaveLength(3);

    const fix = new URL(groups.nonWhite.fix.url, APP_URL);
    expect(fix.searchParams.get("ids")).toBe(ids.nonWhite);
    // The link opens the new-job page with the products and the solution's recipe filled in.
    const newJob = await load(newJobLoader, `${fix.pathname}${fix.search}`);
    expect(newJob.status).toBe(200);
    expect(newJob.body.chosenSolutionId).toBe("amazon-seller");
    expect(newJob.body.selection).toEqual({ ids: ids.nonWhite, query: null });
    expect(newJob.body.summary.imageCount).toBe(3);
    const upscale = new URL(groups.below1000.fix.url, APP_URL);
    expect(upscale.searchParams.get("ids")).toBe(ids.below1000);
    expect(upscale.searchParams.get("solution")).toBe("upscale-small");
  });

  it("fills the missing alt text from the page and the next check finds none", async () => {
    const response = await submit({ intent: "fill-alt-text", overwrite: "false" });
    expect(response.status).toBe(200);
    const body = await loadUntil((page) => page.fill && page.fill.status !== "running");
    expect(body.fill).toMatchObject({ status: "completed", written: 3, skipped: 0, failed: 0 });

    const media = await adminData(
      `#graphql
      query PhotoStudioTestAuditAlt($id: ID!) { product(id: $id) { media(first: 5) { nodes { alt } } } }`,
      { id: ids.missingAlt },
    );
    for (const node of media.product.media.nodes as Array<{ alt: string }>) {
      expect(node.alt).toMatch(/^Defect Missing Alt/);
    }

    await submit({ intent: "start", minImages: "3" });
    const again = await loadUntil(
      (page) => page.latest?.status !== "running" && page.trend.length === 2,
    );
    const missing = (again.latest.groups as Body[]).find((group) => group.id === "missingAlt");
    expect(missing.productCount).toBe(0);
    expect(again.latest.score).toBe(Math.round((705 + 15) / 9));
  });

  it("writes alt text across the whole catalog, keeping what exists unless asked", async () => {
    const response = await submit({
      intent: "fill-alt-text",
      scope: "catalog",
      overwrite: "false",
    });
    expect(response.status).toBe(200);
    const body = await loadUntil(
      (page) => page.fill?.status !== "running" && page.fill?.total === 22,
    );
    // Every image has alt text by now (the group's fill wrote the missing ones): none changes.
    expect(body.fill).toMatchObject({ status: "completed", written: 0, skipped: 22, failed: 0 });
  });
});
