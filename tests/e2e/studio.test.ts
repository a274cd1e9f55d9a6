/**
 * The merchant's studio end to end in Chromium, through the dev store's admin shell: pick products
 * (the products page's multi-select and App Bridge's resource picker), start a job, watch it reach
 * 100%, review with the before/after slider, approve, see the product's media change in the store,
 * then restore the original from History. Every page passes axe-core (no serious or critical
 * violations) and is photographed for the README (docs/screenshots/<page>.png).
 *
 * The app is the production build behind the app front, with the local AI provider and its
 * in-process workers, as `npm run demo` runs it; the eBay preset keeps the photo's background, so
 * generation needs no model download and the job takes seconds.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { API_KEY, API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import type { Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import db from "~/db.server";

import { DEMO_SHOP } from "../../emulators/shopify/cli";
import { storeName } from "../../emulators/shopify/src/admin/app-url";
import { productLook } from "../../emulators/shopify/src/seed-scaled";
import { buildIfStale, type DemoStack, freeDemoPorts, startDemoStack } from "../../scripts/demo";
import { describeViolations, seriousAxeViolations } from "../support/axe";
import { launchChromium } from "../support/browser";

const STORE = `/store/${storeName(DEMO_SHOP.domain)}`;
const APP = `${STORE}/apps/photo-studio`;
const DOCS_SCREENSHOTS = path.resolve("docs/screenshots");

let stack: DemoStack;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let workDir: string;
const appOutput: string[] = [];
/** Uncaught errors in the admin page or the app's frame (a failed hydration shows up here). */
const pageErrors: string[] = [];

/** What the studio remembers between steps: the job, and the products it changed. */
const flow = {
  jobId: "",
  productIds: [] as number[],
  before: new Map<number, ReturnType<typeof productLook>>(),
};

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  buildIfStale();
  const ports = await freeDemoPorts();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-studio-e2e-"));
  // The app server inherits this environment: its private storage in the test's folder and the
  // offline provider; its own in-process workers run the jobs, as in `npm run demo`.
  const storageDir = path.join(workDir, "storage");
  Object.assign(process.env, {
    STORAGE_DIR: storageDir,
    AI_PROVIDER: "local",
    JOB_WORKERS: "in-process",
  });
  stack = await startDemoStack({
    ports,
    publicHost: "127.0.0.1",
    devStoreDir: path.join(workDir, "dev-store"),
    credentials: { clientId: API_KEY, clientSecret: API_SECRET_KEY },
    databaseUrl: process.env.DATABASE_URL,
    onAppOutput: (line) => appOutput.push(line),
  });
  fs.mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
}, 30_000);

function shopState() {
  return stack.devStore.store.shop(DEMO_SHOP.domain)!;
}

function look(productId: number) {
  return productLook(stack.devStore.store, shopState(), productId);
}

function productNumber(gid: string): number {
  return Number(gid.split("/").pop());
}

/** The app's frame in the admin page, once the app has answered. */
async function appFrame(): Promise<Frame> {
  const handle = await page.waitForSelector("#app-iframe");
  const frame = await handle.contentFrame();
  if (!frame) throw new Error("The app iframe has no frame");
  return frame;
}

/** Opens a page of the app inside the admin, as a merchant following an admin link. */
async function openApp(appPath: string): Promise<Frame> {
  await page.goto(`${stack.adminUrl}${APP}${appPath}`);
  return appFrame();
}

/** Waits for what proves a page is there, with the app server's output when it is not. */
async function see(frame: Frame, locator: ReturnType<Frame["getByText"]>, timeout = 30_000) {
  await locator.waitFor({ timeout }).catch(async (error: Error) => {
    await page.screenshot({ path: path.resolve(".cache/screenshots/studio-failure.png") });
    throw new Error(`${error.message}\napp server output:\n${appOutput.slice(-30).join("\n")}`);
  });
}

/** The page has settled (no pending requests or transitions), then axe and a screenshot. */
async function checkAndPhotograph(frame: Frame, name: string) {
  await frame.waitForLoadState("load");
  await frame.evaluate(() => document.fonts.ready.then(() => undefined));
  expect(pageErrors, `uncaught errors on ${name}`).toEqual([]);
  const violations = await seriousAxeViolations(frame);
  expect(violations, describeViolations(name, violations)).toEqual([]);
  await page.screenshot({ path: path.join(DOCS_SCREENSHOTS, `${name}.png`) });
}

describe("the studio in Chromium, through the admin shell", () => {
  it("loads App Bridge once, as the first script in <head>, and lists the app's pages", async () => {
    const frame = await openApp("/app");
    await see(frame, frame.getByText("54 products in your catalog"));
    const scripts = await frame.evaluate(() => ({
      first: document.head.querySelector("script")?.getAttribute("src") ?? null,
      appBridge: [...document.querySelectorAll("script[src]")].filter((script) =>
        script.getAttribute("src")!.endsWith("/shopifycloud/app-bridge.js"),
      ).length,
      apiKey: document.head.querySelector("script")?.dataset.apiKey ?? null,
    }));
    // The app front points Shopify's CDN address at the dev store's stand-in.
    expect(scripts).toEqual({
      first: `${stack.adminUrl}/cdn/shopifycloud/app-bridge.js`,
      appBridge: 1,
      apiKey: API_KEY,
    });
    const nav = page.locator('[data-app-nav="photo-studio"]');
    await expect
      .poll(() => nav.getByRole("link").allInnerTexts())
      .toEqual(["Products", "Catalog health", "Jobs", "History", "Plans", "Settings"]);
  }, 90_000);

  it("greets a new merchant with credits, the catalog and a setup guide", async () => {
    const frame = await appFrame();
    await see(frame, frame.getByRole("heading", { name: "Get started with Photo Studio" }));
    await expect(frame.getByText("0 of 4 steps completed").isVisible()).resolves.toBe(true);
    await expect(frame.getByRole("heading", { name: "Credits" }).isVisible()).resolves.toBe(true);
    await expect(frame.getByText("No job is running").isVisible()).resolves.toBe(true);
    await checkAndPhotograph(frame, "home");
  }, 90_000);

  it("selects products on the products page and opens a new job with them", async () => {
    const frame = await appFrame();
    await frame.getByRole("link", { name: "Choose products" }).click();
    await see(frame, frame.locator("tbody tr").first());
    await checkAndPhotograph(frame, "products");

    const rows = frame.locator("tbody tr");
    await rows.nth(0).getByRole("checkbox").check();
    await rows.nth(1).getByRole("checkbox").check();
    await frame.getByRole("button", { name: "Create job" }).click();
    await frame.waitForURL(/\/app\/jobs\/new\?/, { timeout: 20_000 });
    const ids = new URL(frame.url()).searchParams.get("ids")?.split(",") ?? [];
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^gid:\/\/shopify\/Product\/\d+$/);
  }, 90_000);

  it("picks products with App Bridge's resource picker and starts a job", async () => {
    const frame = await openApp("/app/products");
    await see(frame, frame.locator("tbody tr").first());
    // "Pick products" is the app's title bar button, which the admin draws above the frame.
    await page
      .locator("[data-title-bar-actions]")
      .getByRole("button", { name: "Pick products" })
      .click();
    const picker = page.locator("dialog[data-resource-picker]");
    await picker.getByRole("heading", { name: "Add products" }).waitFor();
    await picker.getByLabel("Search products").fill("chair");
    await expect.poll(() => picker.locator("li input").count()).toBeLessThan(54);
    await picker.locator("li input").nth(0).check();
    await picker.locator("li input").nth(1).check();
    await picker.getByRole("button", { name: "Add" }).click();

    await frame.waitForURL(/\/app\/jobs\/new\?/, { timeout: 20_000 });
    const ids = new URL(frame.url()).searchParams.get("ids")?.split(",") ?? [];
    expect(ids).toHaveLength(2);
    flow.productIds = ids.map(productNumber);
    for (const id of flow.productIds) flow.before.set(id, look(id));

    await see(frame, frame.getByRole("combobox", { name: "Preset" }));
    await frame.getByRole("combobox", { name: "Preset" }).selectOption("ebay");
    await checkAndPhotograph(frame, "new-job");
    await frame.getByRole("button", { name: "Start job" }).click();
    await frame.waitForURL(/\/app\/jobs\/(?!new)[^/?]+(\?|$)/, { timeout: 20_000 });
    flow.jobId = /\/app\/jobs\/([^/?]+)/.exec(frame.url())![1]!;
    expect(flow.jobId).not.toBe("new");
  }, 90_000);

  it("shows the job's progress live until it reaches 100%", async () => {
    const frame = await appFrame();
    await see(frame, frame.getByText(/^Job progress: 100%/), 60_000);
    await see(frame, frame.getByText(/ready for review$/));
    await expect(
      frame.getByRole("progressbar", { name: /Job progress/ }).getAttribute("aria-valuenow"),
    ).resolves.toBe("100");
    await checkAndPhotograph(frame, "job");
  }, 90_000);

  it("reviews a result with the before/after slider and approves every result", async () => {
    const frame = await appFrame();
    await frame.getByRole("link", { name: "Review results" }).first().click();
    await see(frame, frame.getByRole("button", { name: "Approve", exact: true }).first());
    await checkAndPhotograph(frame, "review");

    // Approve buttons that still take a decision: one per image waiting for review.
    const waiting = frame.getByRole("button", { name: "Approve", exact: true, disabled: false });
    const images = await waiting.count();
    expect(images).toBeGreaterThanOrEqual(flow.productIds.length);

    await frame.getByRole("button", { name: "Details" }).first().click();
    const dialog = frame.getByRole("dialog");
    const slider = dialog.getByRole("slider", { name: "Compare before and after" });
    await slider.waitFor();
    // The grid's thumbnails (320 px at most) give way to the previews signed when the view opens.
    const result = dialog.getByRole("img", { name: /^Result for / });
    await expect
      .poll(() => result.evaluate((image: HTMLImageElement) => image.naturalWidth), {
        timeout: 10_000,
      })
      .toBeGreaterThan(320);
    const start = Number(await slider.getAttribute("aria-valuenow"));
    await slider.focus();
    await slider.press("ArrowLeft");
    await slider.press("ArrowLeft");
    await expect
      .poll(async () => Number(await slider.getAttribute("aria-valuenow")))
      .toBeLessThan(start);
    await checkAndPhotograph(frame, "review-compare");
    await dialog.getByRole("button", { name: "Approve", exact: true }).click();
    await expect.poll(() => waiting.count(), { timeout: 15_000 }).toBe(images - 1);
    if (await dialog.isVisible()) await dialog.getByRole("button", { name: "Close" }).click();

    await frame.getByRole("button", { name: "Approve all" }).click();
    await expect.poll(() => waiting.count(), { timeout: 15_000 }).toBe(0);
    // Approved results are written to the products: their media change in the store, and the job
    // records every image as written (what History lists).
    const items = async () =>
      JSON.stringify(
        await db.jobItem.findMany({
          where: { jobId: flow.jobId, shop: DEMO_SHOP.domain },
          select: { productId: true, status: true, lastError: true },
        }),
      );
    for (const id of flow.productIds) {
      try {
        await expect
          .poll(() => look(id).media.map((media) => media.bytes), { timeout: 90_000 })
          .not.toEqual(flow.before.get(id)!.media.map((media) => media.bytes));
      } catch (error) {
        const lines = appOutput.slice(-20).join("\n");
        throw new Error(`${(error as Error).message}\nitems: ${await items()}\n${lines}`);
      }
    }
    await expect
      .poll(
        async () => {
          const job = await db.job.findFirst({ where: { id: flow.jobId, shop: DEMO_SHOP.domain } });
          return job && job.itemCount > 0 && job.writtenCount === job.itemCount;
        },
        { timeout: 60_000 },
      )
      .toBe(true);
  }, 240_000);

  it("shows recent results on the home page once the guide's steps are done", async () => {
    const frame = await openApp("/app");
    await see(frame, frame.getByRole("heading", { name: "Recent results" }));
    await expect(frame.getByRole("img", { name: /, edited$/ }).count()).resolves.toBeGreaterThan(0);
    // Every step done (a job, a result, an approval, a write): the guide has made way.
    await expect(
      frame.getByRole("heading", { name: "Get started with Photo Studio" }).count(),
    ).resolves.toBe(0);
  }, 90_000);

  it("restores the originals from History", async () => {
    const frame = await openApp("/app/history");
    const restore = frame.getByRole("button", { name: "Restore original" });
    await see(frame, restore.first(), 30_000);
    await checkAndPhotograph(frame, "history");
    const count = await restore.count();
    expect(count).toBeGreaterThanOrEqual(flow.productIds.length);
    for (let i = 0; i < count; i++) {
      await restore.first().click();
      await frame.getByRole("dialog").getByRole("button", { name: "Restore original" }).click();
      await expect.poll(() => restore.count(), { timeout: 30_000 }).toBe(count - i - 1);
    }
    for (const id of flow.productIds) {
      await expect
        .poll(() => look(id).media, { timeout: 60_000 })
        .toEqual(flow.before.get(id)!.media);
    }
  }, 90_000);

  it("lists the job on the jobs page", async () => {
    const frame = await openApp("/app/jobs");
    await see(frame, frame.getByRole("link", { name: /eBay/ }).first());
    await checkAndPhotograph(frame, "jobs");
  }, 90_000);

  it("shows settings and the privacy page", async () => {
    let frame = await openApp("/app/settings");
    await see(frame, frame.getByRole("heading", { name: /Settings|Defaults/ }).first());
    await checkAndPhotograph(frame, "settings");
    frame = await openApp("/app/privacy");
    await see(frame, frame.getByRole("heading").first());
    await checkAndPhotograph(frame, "privacy");
    frame = await openApp("/app/data");
    await see(frame, frame.getByRole("heading", { name: "Your data" }).first());
    await checkAndPhotograph(frame, "data");
  }, 90_000);

  it("checks the catalog's health and offers a fix for each group", async () => {
    const frame = await openApp("/app/audit");
    await see(frame, frame.getByText("How healthy are your product photos?"));
    await frame.getByRole("button", { name: "Check my catalog" }).click();
    // The first check downloads the 54 demo photos to measure them: give it time.
    await see(frame, frame.getByText(/^\d+ \/ 100$/), 120_000);
    await see(frame, frame.getByText(/54 products and \d+ images checked/));
    await checkAndPhotograph(frame, "audit");
  }, 180_000);

  it("shows the plans page with the plan, spending, packs and the credit history", async () => {
    const frame = await openApp("/app/plans");
    await see(frame, frame.getByRole("heading", { name: "Compare plans" }));
    await see(frame, frame.getByRole("button", { name: "Choose Photo Studio Pro", exact: true }));
    await see(frame, frame.getByRole("button", { name: /Buy 100 credits/ }));
    // The month's included credits are the history's first line.
    await see(frame, frame.getByRole("cell", { name: /included for/ }).first());
    await checkAndPhotograph(frame, "plans");
  }, 60_000);
});
