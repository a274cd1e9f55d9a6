import { TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SELECTED_PRODUCTS } from "../../extensions/shared/products";
import { buildExtension, findExtensions } from "../../scripts/build-extensions";
import { SHOP_HEADER } from "../../emulators/shopify/src/server";

import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let shop: Awaited<ReturnType<typeof harness.addShop>>;

interface FrameConfig {
  target: string;
  selected: string;
  accessToken: string;
  apiVersion: string;
  appOrigin: string;
}

beforeAll(async () => {
  // The dev store runs what `npm run build:extensions` wrote.
  const bulk = findExtensions().find((e) => e.handle === "photo-studio-bulk-action")!;
  await buildExtension(bulk);
  harness = await startTestDevStore({ products: 3 });
  shop = await harness.addShop(TEST_SHOP);
  await openAppAsMerchant(TEST_SHOP);
});

afterAll(async () => {
  await harness.close();
});

async function productsPage() {
  const origin = harness.devStore.publicOrigin;
  const response = await fetch(`${origin}/store/test-shop/products`);
  expect(response.status).toBe(200);
  return response.text();
}

function frames(page: string): Record<string, { html?: string; error?: string }> {
  const json = /<script type="application\/json" id="extension-frames">([\s\S]*?)<\/script>/.exec(
    page,
  )![1]!;
  return JSON.parse(json.trim());
}

describe("the dev store's product list hosting the bulk action extension", () => {
  it("offers the extension under More actions, labelled with its localized name", async () => {
    const page = await productsPage();

    expect(page).toMatch(
      /data-extension-action="photo-studio-bulk-action"\s*>\s*Photo Studio: enhance images\s*</,
    );
    // The product page action is not a list action.
    expect(page).not.toContain('data-extension-action="photo-studio-product-action"');
  });

  it("prepares a frame with the built bundle and the host the target expects", async () => {
    const frame = frames(await productsPage())["photo-studio-bulk-action"]!;

    expect(frame.error).toBeUndefined();
    const config = JSON.parse(
      /window.__extensionHost = (\{.*\});<\/script>/.exec(frame.html!)![1]!,
    ) as FrameConfig;
    expect(config).toMatchObject({
      target: "admin.product-index.selection-action.render",
      selected: "__SELECTED__",
      apiVersion: "2026-10",
    });
    expect(frame.html).toContain("shopify.extend(");
    expect(frame.html).toContain("await window.__runExtension();");
    // Configuration, host and bundle: no "</script>" inside the bundle ends its element early.
    expect(frame.html!.match(/<script/g)).toHaveLength(3);
    expect(frame.html!.match(/<\/script>/g)).toHaveLength(3);
  });

  it("answers the extension's product query on the store's Admin API with the app's token", async () => {
    const frame = frames(await productsPage())["photo-studio-bulk-action"]!;
    const config = JSON.parse(
      /window.__extensionHost = (\{.*\});<\/script>/.exec(frame.html!)![1]!,
    ) as FrameConfig;
    const ids = shop.products.map((product) => `gid://shopify/Product/${product.id}`);

    // The query the extension sends, validated against Shopify's 2026-10 schema by the dev store.
    const response = await fetch(
      `${harness.devStore.publicOrigin}/admin/api/${config.apiVersion}/graphql.json`,
      {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Shopify-Access-Token": config.accessToken,
          [SHOP_HEADER]: TEST_SHOP,
        },
        body: JSON.stringify({ query: SELECTED_PRODUCTS, variables: { ids } }),
      },
    );
    const body = await response.json();

    expect(body.errors).toBeUndefined();
    expect(body.data.nodes).toHaveLength(3);
    expect(body.data.nodes[0]).toMatchObject({
      id: ids[0],
      title: shop.products[0]!.title,
      mediaCount: { count: 1 },
    });
    expect(body.data.nodes[0].featuredMedia.preview.image.url).toMatch(/^http/);
  });
});
