import {
  API_KEY,
  API_SECRET_KEY,
  APP_URL,
  TEST_SHOP,
  TEST_SHOP_NAME,
  getJwt,
} from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loader } from "~/routes/app.products";

import { createProduct, productShot, stageImage, mediaSettled } from "../catalog/support";
import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";
import { callRoute } from "../support/shopify-requests";

const SEEDED = 30;
let harness: Awaited<ReturnType<typeof startTestDevStore>>;

async function productsRequest(search = "") {
  const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY);
  return new Request(`${APP_URL}/app/products${search}`, {
    headers: { Authorization: `Bearer ${token}`, Origin: "https://admin.shopify.com" },
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function load(search = ""): Promise<{ status: number; body: any }> {
  const response = await callRoute(loader, await productsRequest(search));
  return { status: response.status, body: await response.json() };
}

const titles = (body: { page: { products: Array<{ title: string }> } }) =>
  body.page.products.map((product) => product.title);

beforeAll(async () => {
  harness = await startTestDevStore({ products: SEEDED });
  await harness.addShop(TEST_SHOP);
  expect((await openAppAsMerchant(TEST_SHOP)).status).toBe(200);
  await createProduct({ title: "Zz Tiny Badge", vendor: "Photo Studio Tests", status: "DRAFT" }, [
    await stageImage(await productShot("#ffffff", 600), "tiny-badge.jpg"),
  ]);
  await mediaSettled();
});

afterAll(async () => {
  await harness?.close();
});

describe("the Products page's loader", () => {
  it("answers a merchant's session token with the first 25 products and the filters", async () => {
    const { status, body } = await load();
    expect(status).toBe(200);
    expect(body.page.products).toHaveLength(25);
    expect(body.page.products[0]).toMatchObject({
      id: expect.stringMatching(/^gid:\/\/shopify\/Product\/\d+$/),
      thumbnail: { url: expect.stringContaining("width=120") },
      imageCount: 1,
    });
    expect(body.page.nextCursor).toEqual(expect.any(String));
    expect(body.filters).toEqual({ q: "", type: "", vendor: "", status: "", images: [] });
    // With no image filter, "select all" can hand the whole search to the new-job page.
    expect(body.searchQuery).toBe("");
    expect(body.error).toBeNull();
  });

  it("pages on with the cursor it gave", async () => {
    const first = await load();
    const { body } = await load(`?after=${encodeURIComponent(first.body.page.nextCursor)}`);
    expect(body.page.products).toHaveLength(SEEDED + 1 - 25);
    expect(titles(body)).not.toContain(titles(first.body)[0]);
    expect(body.page.nextCursor).toBeNull();
  });

  it("applies search, vendor, status and image filters from the URL", async () => {
    const { body } = await load("?vendor=Photo+Studio+Tests&status=draft");
    expect(titles(body)).toEqual(["Zz Tiny Badge"]);
    expect(body.searchQuery).toBe('vendor:"Photo Studio Tests" status:draft');

    const small = await load("?images=small");
    expect(titles(small.body)).toEqual(["Zz Tiny Badge"]);
    // Image filters are not Shopify search terms: no "all matching" search for a job.
    expect(small.body.searchQuery).toBeNull();

    const none = await load("?q=no-such-product-anywhere");
    expect(none.body.page.products).toEqual([]);
  });

  it("ignores filter values it does not know instead of failing", async () => {
    const { status, body } = await load("?status=deleted&images=huge");
    expect(status).toBe(200);
    expect(body.filters).toMatchObject({ status: "", images: [] });
    expect(body.page.products).toHaveLength(25);
  });

  it("shows an error in words when Shopify does not answer", async () => {
    harness.devStore.injectFaults({ rate: 1, kinds: ["server-error"] });
    try {
      const { status, body } = await load();
      expect(status).toBe(200);
      expect(body.page).toBeNull();
      expect(body.error).toMatch(/^Shopify did not send your products just now\. Reload the page/);
    } finally {
      harness.devStore.clearFaults();
    }
  });

  it("refuses a request without a session token", async () => {
    const response = await callRoute(loader, new Request(`${APP_URL}/app/products`));
    expect([302, 401]).toContain(response.status);
  });
});
