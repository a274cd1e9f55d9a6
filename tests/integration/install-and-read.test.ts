import {
  API_KEY,
  API_SECRET_KEY,
  TEST_SHOP,
  TEST_SHOP_NAME,
  getJwt,
} from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import db from "~/db.server";
import { loader as homeLoader } from "~/routes/app._index";
import { unauthenticated } from "~/shopify.server";

import { startTestDevStore } from "../support/dev-store";
import { callRoute, embeddedDocumentRequest } from "../support/shopify-requests";

let harness: Awaited<ReturnType<typeof startTestDevStore>>;

beforeAll(async () => {
  harness = await startTestDevStore({ products: 7 });
  await harness.addShop(TEST_SHOP);
});

afterAll(async () => {
  await harness.close();
});

describe("installing the app on the dev store and reading the catalog", () => {
  it("exchanges the first session token for an offline token, then shows the shop", async () => {
    await db.session.deleteMany();
    const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY);

    const response = await callRoute(homeLoader, embeddedDocumentRequest("/app", TEST_SHOP, token));

    expect(response.status).toBe(200);
    const { shop } = await response.json();
    expect(shop).toMatchObject({
      name: "Shop test-shop",
      domain: TEST_SHOP,
      productCount: 7,
      productCountIsExact: true,
      isDevelopmentStore: true,
    });
    const session = await db.session.findUniqueOrThrow({ where: { id: `offline_${TEST_SHOP}` } });
    expect(session.accessToken).toMatch(/^shpat_/);
    expect(session.scope).toBe("write_products,write_files");
    expect(await db.shop.findUnique({ where: { shop: TEST_SHOP } })).toMatchObject({
      uninstalledAt: null,
    });
  });

  it("reuses the stored offline token on the next request instead of exchanging again", async () => {
    const tokensBefore = Object.keys(harness.devStore.store.state.accessTokens).length;
    const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY);

    const response = await callRoute(homeLoader, embeddedDocumentRequest("/app", TEST_SHOP, token));

    expect(response.status).toBe(200);
    expect(Object.keys(harness.devStore.store.state.accessTokens)).toHaveLength(tokensBefore);
  });

  it("pages through products with the Admin API's cursors and search syntax", async () => {
    const { admin } = await unauthenticated.admin(TEST_SHOP);
    const page = async (after: string | null) => {
      const response = await admin.graphql(
        `#graphql
        query PhotoStudioTestProducts($after: String) {
          products(first: 3, after: $after, query: "status:active") {
            nodes { title featuredMedia { ... on MediaImage { image { url(transform: { maxWidth: 200 }) width } } } }
            pageInfo { hasNextPage endCursor }
          }
        }`,
        { variables: { after } },
      );
      return (await response.json()).data.products;
    };

    const titles: string[] = [];
    let after: string | null = null;
    do {
      const result = await page(after);
      titles.push(...result.nodes.map((node: { title: string }) => node.title));
      expect(result.nodes[0].featuredMedia.image.url).toMatch(/width=200/);
      after = result.pageInfo.hasNextPage ? result.pageInfo.endCursor : null;
    } while (after);

    expect(titles).toHaveLength(7);
    expect(new Set(titles).size).toBe(7);
  });

  it("answers an unknown field with Shopify's error naming it", async () => {
    const { admin } = await unauthenticated.admin(TEST_SHOP);
    await expect(
      admin.graphql(`#graphql
        query PhotoStudioTestBadField { shop { name favouriteColour } }`),
    ).rejects.toMatchObject({
      body: {
        errors: {
          graphQLErrors: [
            expect.objectContaining({ message: expect.stringContaining("favouriteColour") }),
          ],
        },
      },
    });
  });

  it("serves product images from its CDN, resized as asked", async () => {
    const { admin } = await unauthenticated.admin(TEST_SHOP);
    const response = await admin.graphql(`#graphql
      query PhotoStudioTestImage { products(first: 1) { nodes { featuredMedia { ... on MediaImage { image { url(transform: { maxWidth: 120, maxHeight: 120 }) } } } } } }`);
    const url = (await response.json()).data.products.nodes[0].featuredMedia.image.url as string;

    const image = await fetch(url);
    expect(image.headers.get("content-type")).toBe("image/jpeg");
    const { default: sharp } = await import("sharp");
    const metadata = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
    expect(Math.max(metadata.width!, metadata.height!)).toBe(120);
  });
});
