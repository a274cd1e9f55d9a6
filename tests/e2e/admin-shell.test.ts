/**
 * The offline demo in a real browser: the dev store's admin shell, the app (its production build,
 * served by remix-serve as `npm run demo` serves it) behind the app front, and headless Chromium.
 * Seeing the app's home page inside the admin proves the whole embedded flow: admin-signed iframe
 * URL, session token, token exchange, the App Bridge stand-in and the Admin API round trip.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import "@shopify/shopify-api/adapters/node";
import { shopifyApi } from "@shopify/shopify-api";
import { API_KEY, API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import type { Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ADMIN_API_VERSION } from "~/shopify/api-version";

import { DEMO_SHOP } from "../../emulators/shopify/cli";
import { adminHmacMessage, storeName } from "../../emulators/shopify/src/admin/app-url";
import { buildIfStale, type DemoStack, freeDemoPorts, startDemoStack } from "../../scripts/demo";
import { launchChromium, SCREENSHOTS_DIR } from "../support/browser";

const STORE = `/store/${storeName(DEMO_SHOP.domain)}`;

let stack: DemoStack;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let devStoreDir: string;
const appOutput: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.context.newPage();
  buildIfStale();
  const ports = await freeDemoPorts();
  devStoreDir = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-dev-store-"));
  stack = await startDemoStack({
    ports,
    publicHost: "127.0.0.1",
    devStoreDir,
    credentials: { clientId: API_KEY, clientSecret: API_SECRET_KEY },
    databaseUrl: process.env.DATABASE_URL,
    onAppOutput: (line) => appOutput.push(line),
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (devStoreDir) fs.rmSync(devStoreDir, { recursive: true, force: true });
}, 30_000);

/** The app's frame inside the admin page, once its document has loaded from the app front. */
async function appFrame(): Promise<Frame> {
  const handle = await page.waitForSelector("#app-iframe");
  const frame = await handle.contentFrame();
  if (!frame) throw new Error("The app iframe has no frame");
  return frame;
}

async function expectAppHome(frame: Frame) {
  const catalog = frame.getByText("54 products in your catalog");
  await catalog.waitFor({ timeout: 15_000 }).catch((error: Error) => {
    throw new Error(`${error.message}\napp server output:\n${appOutput.slice(-30).join("\n")}`);
  });
  await expect(frame.getByText(DEMO_SHOP.name).first().isVisible()).resolves.toBe(true);
}

describe("the admin shell frames the app as Shopify admin does", () => {
  it("signs the iframe URL with the app's secret and carries a valid session token", async () => {
    const response = await fetch(`${stack.adminUrl}${STORE}/apps/photo-studio/app`);
    const src = /<iframe id="app-iframe"[^>]* src="([^"]+)"/.exec(await response.text())?.[1];
    const url = new URL(src!.replaceAll("&amp;", "&"));
    const params = Object.fromEntries(url.searchParams);

    expect(url.origin + url.pathname).toBe(`${stack.appUrl}/app`);
    expect(params).toMatchObject({ embedded: "1", shop: DEMO_SHOP.domain, locale: "en" });
    expect(Buffer.from(params.host!, "base64").toString()).toBe(`admin.shopify.com${STORE}`);
    const api = shopifyApi({
      apiKey: API_KEY,
      apiSecretKey: API_SECRET_KEY,
      hostName: new URL(stack.appUrl).host,
      apiVersion: ADMIN_API_VERSION,
      isEmbeddedApp: true,
      logger: { level: 0 },
    });
    await expect(api.utils.validateHmac(params)).resolves.toBe(true);
    const claims = await api.session.decodeSessionToken(params.id_token!);
    expect(claims).toMatchObject({ dest: `https://${DEMO_SHOP.domain}`, aud: API_KEY });
  });

  it("signs an admin link's ids[] the way Shopify documents it", () => {
    expect(adminHmacMessage(new URLSearchParams("ids[]=2&ids[]=1&shop=s.myshopify.com"))).toBe(
      'ids=["2", "1"]&shop=s.myshopify.com',
    );
  });
});

describe("the offline demo in Chromium", () => {
  it("lists the store's products with their thumbnails from the CDN", async () => {
    await page.goto(stack.adminUrl);
    expect(new URL(page.url()).pathname).toBe(STORE);
    await page.getByRole("link", { name: "Products", exact: true }).click();
    await page.waitForLoadState("networkidle");

    const rows = page.locator("tbody tr");
    await expect(rows.count()).resolves.toBe(50);
    const thumbnails = await page.locator("tbody img").evaluateAll((images) =>
      images.map((image) => ({
        src: (image as HTMLImageElement).src,
        width: (image as HTMLImageElement).naturalWidth,
      })),
    );
    expect(thumbnails).toHaveLength(50);
    for (const thumbnail of thumbnails) {
      expect(thumbnail.width).toBe(80);
      expect(thumbnail.src).toMatch(/\/cdn\/shop\/files\/.*width=80&height=80&crop=center/);
    }
    fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, "admin-products.png") });
  });

  it("opens Photo Studio from the navigation: token exchange, App Bridge and Admin API", async () => {
    await page.getByRole("link", { name: "Photo Studio" }).click();
    const frame = await appFrame();
    await expectAppHome(frame);

    // The title the app declares with <ui-title-bar>, and the app's path in the admin's address.
    await expect(page.locator("[data-title-bar-title]").innerText()).resolves.toBe("Photo Studio");
    await expect.poll(() => new URL(page.url()).pathname).toBe(`${STORE}/apps/photo-studio/app`);
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, "admin-photo-studio.png") });
  });

  it("authenticates the app's own fetch requests with a fresh session token", async () => {
    const frame = await appFrame();
    const overview = await frame.evaluate(async () => {
      const response = await fetch("/app?_data=routes%2Fapp._index");
      return { status: response.status, body: await response.json() };
    });
    expect(overview).toMatchObject({ status: 200, body: { shop: { productCount: 54 } } });
  });

  it("routes a click on the app in the admin's navigation through shopify:navigate", async () => {
    const frame = await appFrame();
    const dataRequest = page.waitForRequest(
      (request) =>
        request.frame() === frame &&
        request.url().includes("_data=") &&
        /^Bearer /.test(request.headers().authorization ?? ""),
    );
    await page.getByRole("link", { name: "Photo Studio" }).click();
    await dataRequest;
    await expectAppHome(frame);
  });

  it("shows the app's toasts and answers its resource picker with App Bridge's shape", async () => {
    const frame = await appFrame();
    await frame.evaluate(() => shopify.toast.show("Images queued"));
    await expect(page.locator(".toast").getByText("Images queued").isVisible()).resolves.toBe(true);

    await frame.evaluate(() => {
      (window as unknown as { picked: unknown }).picked = shopify.resourcePicker({
        type: "product",
        multiple: true,
      });
    });
    const picker = page.locator("dialog[data-resource-picker]");
    await picker.getByRole("heading", { name: "Add products" }).waitFor();
    await picker.getByLabel("Search products").fill("chair");
    await expect.poll(() => picker.locator("li input").count()).toBeLessThan(54);
    const choices = picker.locator("li input");
    await choices.nth(0).check();
    await choices.nth(1).check();
    await picker.getByRole("button", { name: "Add" }).click();

    const picked = await frame.evaluate(async () => {
      const selection = await (window as unknown as { picked: Promise<unknown[]> }).picked;
      return { items: selection, sameSelection: (selection as { selection?: unknown }).selection };
    });
    expect(picked.items).toHaveLength(2);
    for (const product of picked.items as Array<Record<string, never>>) {
      expect(product).toMatchObject({
        id: expect.stringMatching(/^gid:\/\/shopify\/Product\/\d+$/),
        title: expect.stringMatching(/chair/i),
        images: [{ originalSrc: expect.stringContaining("/cdn/shop/files/") }],
        variants: [expect.objectContaining({ id: expect.stringContaining("ProductVariant") })],
      });
    }
    expect(picked.sameSelection).toEqual(picked.items);
  });

  it("completes shopify-app-remix's bounce page when a document has no session token", async () => {
    const frame = await appFrame();
    const bounced = page.waitForRequest((request) =>
      request.url().includes("/auth/session-token?"),
    );
    await frame.evaluate(() => {
      const { shop, host } = shopify.config;
      location.assign(`/app?embedded=1&shop=${shop}&host=${host}`);
    });
    await bounced;
    await expect.poll(() => frame.url()).toContain("id_token=");
    await expectAppHome(frame);
  });

  it("runs the Photo Studio bulk action on five selected products: the job appears and finishes", async () => {
    await page.goto(`${stack.adminUrl}${STORE}/products`);
    for (let row = 0; row < 5; row++) {
      await page.locator("tbody tr").nth(row).getByRole("checkbox").check();
    }
    await expect(page.locator("[data-selected-count]").innerText()).resolves.toBe("5 selected");
    await page.getByRole("button", { name: "More actions" }).click();
    await page.getByRole("menuitem", { name: "Photo Studio: enhance images" }).click();

    // The extension's own UI, in the frame the admin hosts it in, talking to the app's backend
    // with the session token the host gives it.
    const extension = page.frameLocator("dialog[data-extension-modal] iframe");
    await extension.getByText("5 products selected", { exact: false }).waitFor({ timeout: 30_000 });
    // eBay keeps the photo's background: no model download, the job takes seconds.
    await extension.getByRole("combobox", { name: "Recipe" }).selectOption("preset:ebay");
    await extension.getByRole("button", { name: "Enhance images" }).click();
    const counts = extension.getByText(/^(\d+) of \1 images done$/);
    await counts.waitFor({ timeout: 90_000 }).catch((error: Error) => {
      throw new Error(`${error.message}\napp server output:\n${appOutput.slice(-30).join("\n")}`);
    });
    await extension.getByText("Ready for your review").waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, "admin-bulk-action.png") });

    // The job is the app's: the extension links to its page, which shows it finished.
    const link = extension.locator("s-link", { hasText: "Open the job in Photo Studio" });
    const target = await link.getAttribute("href");
    expect(target).toMatch(/^app:\/app\/jobs\/[a-z0-9]+$/);
    // The host's stand-in draws the link as an <a> in the element's shadow root: click that.
    await link.evaluate((element) => element.shadowRoot!.querySelector("a")!.click());
    await expect
      .poll(() => new URL(page.url()).pathname)
      .toBe(`${STORE}/apps/photo-studio${target!.slice(4)}`);
    const frame = await appFrame();
    await frame
      .getByText(/Job progress: 100%/)
      .first()
      .waitFor({ timeout: 30_000 });
  }, 150_000);
});
