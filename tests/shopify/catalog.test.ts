import fs from "node:fs";
import path from "node:path";

import { API_KEY, TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { openImage } from "~/images/intake";
import type { AdminClient } from "~/shopify/admin-types";
import {
  CatalogError,
  classifyMedia,
  listSelectedImages,
  type SelectedImages,
  type SourceImage,
} from "~/shopify/catalog.server";
import { downloadImage } from "~/shopify/image-download.server";
import { unauthenticated } from "~/shopify.server";

import { CATALOG_DIR, readCatalog } from "../../emulators/shopify/src/seed";
import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";

const SEEDED = 54;
const OTHER_SHOP = "other-shop.myshopify.com";

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
/** Every document the code under test sent, by operation name. */
let sent: string[] = [];
let admin: AdminClient;

/**
 * The AdminClient contract over the app's own `admin.graphql` (the paced client is tested on its
 * own): data back, GraphQL errors thrown, THROTTLED waited out.
 */
function adminFor(shop: string): AdminClient {
  return {
    shop,
    async request(document, options = {}) {
      sent.push(/(?:query|mutation)\s+(\w+)/.exec(document)?.[1] ?? "anonymous");
      for (let attempt = 0; ; attempt += 1) {
        const { admin: client } = await unauthenticated.admin(shop);
        try {
          const response = await client.graphql(document, {
            variables: options.variables,
            signal: options.signal,
          });
          return ((await response.json()) as { data: unknown }).data as never;
        } catch (error) {
          const throttled = JSON.stringify((error as { body?: unknown }).body ?? "").includes(
            "THROTTLED",
          );
          if (!throttled || attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function adminData(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const { admin: client } = await unauthenticated.admin(TEST_SHOP);
  return ((await (await client.graphql(query, { variables })).json()) as { data: unknown }).data;
}

interface Seeded {
  id: string;
  title: string;
  productType: string;
  vendor: string;
  mediaId: string;
  url: string;
}

let seeded: Seeded[] = [];
let foreignProductId: string;
const made = { gallery: "", gallerySources: [] as string[], empty: "", broken: "", fresh: "" };
const mediaIds: Record<string, string[]> = {};

async function createProduct(title: string, sources: string[]) {
  const data = await adminData(
    `#graphql
    mutation PhotoStudioTestCatalogCreate($product: ProductCreateInput!, $media: [CreateMediaInput!]) {
      productCreate(product: $product, media: $media) {
        product { id media(first: 20) { nodes { id } } }
        userErrors { field message }
      }
    }`,
    {
      product: { title, productType: "Test", vendor: "Photo Studio Tests" },
      media: sources.map((originalSource, index) => ({
        originalSource,
        mediaContentType: "IMAGE",
        alt: `${title} ${index + 1}`,
      })),
    },
  );
  expect(data.productCreate.userErrors).toEqual([]);
  const product = data.productCreate.product as { id: string; media: { nodes: { id: string }[] } };
  mediaIds[product.id] = product.media.nodes.map((node) => node.id);
  return product.id;
}

beforeAll(async () => {
  // Media processing takes a minute of the dev store's clock, so a new image can be caught while
  // it is still processing; the clock is moved on to finish the others.
  harness = await startTestDevStore({ products: SEEDED, processingDelayMs: 60_000 });
  await harness.addShop(TEST_SHOP);
  const other = await harness.addShop(OTHER_SHOP);
  foreignProductId = `gid://shopify/Product/${other.products[0]!.id}`;
  expect((await openAppAsMerchant(TEST_SHOP)).status).toBe(200);
  admin = adminFor(TEST_SHOP);

  // Emulator gap: the seed leaves 25 catalog products without a vendor, which Shopify never does
  // (Product.vendor is String!, the shop's name by default); give them one first.
  const ids = await adminData(`#graphql
    query PhotoStudioTestCatalogIds { products(first: 100, sortKey: ID) { nodes { id title } } }`);
  const catalog = readCatalog();
  for (const node of ids.products.nodes as Array<{ id: string; title: string }>) {
    if (catalog.find((entry) => entry.title === node.title)?.vendor) continue;
    const updated = await adminData(
      `#graphql
      mutation PhotoStudioTestCatalogVendor($product: ProductUpdateInput!) {
        productUpdate(product: $product) { userErrors { message } }
      }`,
      { product: { id: node.id, vendor: "Shop test-shop" } },
    );
    expect(updated.productUpdate.userErrors).toEqual([]);
  }

  const data = await adminData(`#graphql
    query PhotoStudioTestCatalogSeed {
      products(first: 100, sortKey: ID) {
        nodes { id title productType vendor media(first: 1) { nodes { id ... on MediaImage { image { url } } } } }
      }
    }`);
  seeded = data.products.nodes.map(
    (node: {
      id: string;
      title: string;
      productType: string;
      vendor: string;
      media: { nodes: Array<{ id: string; image: { url: string } }> };
    }) => ({
      id: node.id,
      title: node.title,
      productType: node.productType,
      vendor: node.vendor,
      mediaId: node.media.nodes[0]!.id,
      url: node.media.nodes[0]!.image.url,
    }),
  );
  expect(seeded).toHaveLength(SEEDED);

  // More media than the first page that comes with a product.
  made.gallerySources = seeded.slice(0, 8).map((product) => product.url);
  made.gallery = await createProduct("Studio Gallery", made.gallerySources);
  made.empty = await createProduct("Empty Shelf", []);
  // The dev store works offline: a source it cannot download fails processing, as in Shopify.
  made.broken = await createProduct("Broken Upload", [
    "https://photos.example.invalid/lost.jpg",
    seeded[8]!.url,
  ]);
  harness.devStore.advanceClock(1);
  made.fresh = await createProduct("Fresh Arrival", [seeded[9]!.url]);
});

afterAll(async () => {
  await harness?.close();
});

beforeEach(() => {
  sent = [];
  harness.devStore.setBulkOperationPace({ startDelayMs: 20, pageDelayMs: 20 });
});

const FAST_POLLING = { pollIntervalMs: 10, maxPollIntervalMs: 50 };

function seededImage(product: Seeded): SourceImage {
  return {
    productId: product.id,
    productTitle: product.title,
    productType: product.productType,
    vendor: product.vendor,
    mediaId: product.mediaId,
    url: product.url,
    alt: product.title,
    position: 0,
    width: expect.any(Number) as unknown as number,
    height: expect.any(Number) as unknown as number,
    mimeType: "image/jpeg",
  };
}

/** What the whole test catalog must come out as, in product id order. */
function wholeCatalog(): SelectedImages {
  return {
    images: [
      ...seeded.map(seededImage),
      ...made.gallerySources.map((url, position) =>
        expect.objectContaining({
          productId: made.gallery,
          productTitle: "Studio Gallery",
          mediaId: mediaIds[made.gallery]![position],
          alt: `Studio Gallery ${position + 1}`,
          position,
        }),
      ),
      expect.objectContaining({
        productId: made.broken,
        mediaId: mediaIds[made.broken]![1],
        position: 1,
      }),
    ],
    skipped: [
      { productId: made.empty, code: "no_media", reason: "This product has no images." },
      {
        productId: made.broken,
        mediaId: mediaIds[made.broken]![0],
        code: "media_failed",
        reason: expect.stringContaining("Shopify could not process this image"),
      },
      {
        productId: made.fresh,
        mediaId: mediaIds[made.fresh]![0],
        code: "media_processing",
        reason: expect.stringContaining("still processing"),
      },
    ],
  } as SelectedImages;
}

describe("listSelectedImages by product ids", () => {
  it("lists every ready image with its product's facts, and says why anything else was left out", async () => {
    const [first] = seeded;
    const result = await listSelectedImages(admin, {
      productIds: [
        first!.id,
        made.gallery,
        made.empty,
        made.broken,
        made.fresh,
        foreignProductId,
        "gid://shopify/Product/987654321",
        "gid://shopify/ProductVariant/1",
        "not-an-id",
        first!.id,
      ],
    });

    const catalogFile = readCatalog().find((entry) => entry.title === first!.title)!;
    const { width, height } = await sharp(path.join(CATALOG_DIR, catalogFile.image)).metadata();
    expect(result.images[0]).toEqual({ ...seededImage(first!), width, height });
    expect(result.images.slice(1).map((image) => [image.productId, image.position])).toEqual([
      ...made.gallerySources.map((_, position) => [made.gallery, position]),
      [made.broken, 1],
    ]);
    expect(result.images.filter((image) => image.productId === made.gallery)).toHaveLength(8);

    const notFound = "This product is no longer in your store (it may have been deleted).";
    expect(result.skipped).toEqual([
      {
        productId: "gid://shopify/ProductVariant/1",
        code: "invalid_product_id",
        reason: "This is not a product of a Shopify store.",
      },
      {
        productId: "not-an-id",
        code: "invalid_product_id",
        reason: "This is not a product of a Shopify store.",
      },
      ...wholeCatalog().skipped.slice(0, 3),
      // Another shop's product answers exactly like a deleted one.
      { productId: foreignProductId, code: "product_not_found", reason: notFound },
      { productId: "gid://shopify/Product/987654321", code: "product_not_found", reason: notFound },
    ]);
    expect(sent).not.toContain("PhotoStudioCatalogExportStart");
  });

  it("reads ids in chunks of 50, and a product's media past its first page", async () => {
    const ids = [...seeded.map((product) => product.id), made.gallery, made.empty, made.broken];
    const result = await listSelectedImages(admin, { productIds: ids });
    expect(result.images).toHaveLength(SEEDED + 8 + 1);
    expect(sent.filter((name) => name === "PhotoStudioCatalogProductsById")).toHaveLength(2);
    // The gallery's 8 media came as a first page and one more.
    expect(sent.filter((name) => name === "PhotoStudioCatalogProductMedia")).toHaveLength(1);
  });
});

describe("listSelectedImages by search", () => {
  it("lists the products a search matches, page by page when there are few", async () => {
    const result = await listSelectedImages(admin, { query: "title:Studio*" });
    expect(result).toEqual({
      images: wholeCatalog().images.slice(SEEDED, SEEDED + 8),
      skipped: [],
    });
    expect(result.images).toHaveLength(8);
    expect(sent).toEqual([
      "PhotoStudioCatalogCount",
      "PhotoStudioCatalogProductsPage",
      "PhotoStudioCatalogProductMedia",
    ]);
  });

  it("reads the whole catalog (an empty search) across product pages", async () => {
    const result = await listSelectedImages(admin, { query: "" });
    expect(result).toEqual(wholeCatalog());
    expect(sent.filter((name) => name === "PhotoStudioCatalogProductsPage")).toHaveLength(2);
  });

  it("exports the whole catalog with a bulk query when asked to, with the same result", async () => {
    const result = await listSelectedImages(
      admin,
      { query: "" },
      { useBulk: true, bulk: FAST_POLLING },
    );
    expect(result).toEqual(wholeCatalog());
    expect(sent).toContain("PhotoStudioCatalogExportStart");
    expect(sent).not.toContain("PhotoStudioCatalogProductsPage");
  });

  it("exports with a bulk query when the search matches more products than the threshold", async () => {
    const vendor = seeded[0]!.vendor;
    const expected = await listSelectedImages(admin, { query: `vendor:"${vendor}"` });
    expect(expected.images.length).toBeGreaterThan(0);

    sent = [];
    const viaBulk = await listSelectedImages(
      admin,
      { query: `vendor:"${vendor}"` },
      { bulkThreshold: 0, bulk: FAST_POLLING },
    );
    expect(sent.slice(0, 2)).toEqual([
      "PhotoStudioCatalogCount",
      "PhotoStudioCatalogRecentExports",
    ]);
    expect(sent).toContain("PhotoStudioCatalogExportStart");
    expect(viaBulk).toEqual(expected);

    sent = [];
    await listSelectedImages(admin, { query: `vendor:"${vendor}"` }, { bulkThreshold: 250 });
    expect(sent).not.toContain("PhotoStudioCatalogExportStart");
  });

  it("answers a bulk search that matches nothing with nothing", async () => {
    const result = await listSelectedImages(
      admin,
      { query: "title:no-such-product-anywhere" },
      { useBulk: true, bulk: FAST_POLLING },
    );
    expect(result).toEqual({ images: [], skipped: [] });
  });

  it("joins the same export already running instead of starting another", async () => {
    harness.devStore.setBulkOperationPace({ startDelayMs: 300, pageDelayMs: 50 });
    const first = listSelectedImages(admin, { query: "" }, { useBulk: true, bulk: FAST_POLLING });
    while (!sent.includes("PhotoStudioCatalogExportStart")) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = listSelectedImages(admin, { query: "" }, { useBulk: true, bulk: FAST_POLLING });
    const [a, b] = await Promise.all([first, second]);
    expect(sent.filter((name) => name === "PhotoStudioCatalogExportStart")).toHaveLength(1);
    expect(a).toEqual(wholeCatalog());
    expect(b).toEqual(a);
  });

  it("waits out a timeout without losing the export: the retry picks it up", async () => {
    harness.devStore.setBulkOperationPace({ startDelayMs: 1_000, pageDelayMs: 20 });
    const error = await listSelectedImages(
      admin,
      { query: "" },
      { useBulk: true, bulk: { ...FAST_POLLING, timeoutMs: 200 } },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CatalogError);
    expect(error).toMatchObject({ code: "export_timeout", retryable: true });
    expect((error as Error).message).toMatch(/taking a long time/);

    const retried = await listSelectedImages(
      admin,
      { query: "" },
      { useBulk: true, bulk: FAST_POLLING },
    );
    expect(retried).toEqual(wholeCatalog());
    expect(sent.filter((name) => name === "PhotoStudioCatalogExportStart")).toHaveLength(1);
  });

  it("waits for a place when the shop's bulk queries are all taken, and says so if none frees up", async () => {
    // Five other exports that take a minute to start hold every place this app has.
    harness.devStore.setBulkOperationPace({ startDelayMs: 60_000 });
    const others: string[] = [];
    for (let count = 0; count < 5; count += 1) {
      const data = await adminData(
        `#graphql
        mutation PhotoStudioTestCatalogOtherExport($query: String!) {
          bulkOperationRunQuery(query: $query) { bulkOperation { id } userErrors { message } }
        }`,
        { query: `{ products(query: "id:${count}") { edges { node { id } } } }` },
      );
      others.push(data.bulkOperationRunQuery.bulkOperation.id);
    }
    const cancel = (id: string) =>
      adminData(
        `#graphql
        mutation PhotoStudioTestCatalogCancel($id: ID!) { bulkOperationCancel(id: $id) { userErrors { message } } }`,
        { id },
      );

    const busy = await listSelectedImages(
      admin,
      { query: "" },
      { useBulk: true, bulk: { ...FAST_POLLING, timeoutMs: 300 } },
    ).catch((caught: unknown) => caught);
    expect(busy).toMatchObject({ name: "CatalogError", code: "export_busy", retryable: true });
    expect((busy as Error).message).toMatch(/busy with other exports/);

    harness.devStore.setBulkOperationPace({ startDelayMs: 20, pageDelayMs: 20 });
    const waiting = listSelectedImages(
      admin,
      { query: "" },
      { useBulk: true, bulk: { ...FAST_POLLING, timeoutMs: 10_000 } },
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    await cancel(others[0]!);
    expect(await waiting).toEqual(wholeCatalog());
    for (const id of others.slice(1)) await cancel(id);
  });

  it("fails clearly, not to be retried, when the app may no longer read products", async () => {
    harness.devStore.updateScopes(TEST_SHOP, API_KEY, ["write_files"]);
    try {
      const error = await listSelectedImages(
        admin,
        { query: "" },
        { useBulk: true, bulk: FAST_POLLING },
      ).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "access_denied", retryable: false });
      expect((error as Error).message).toMatch(/no longer allowed to read your products/);
    } finally {
      harness.devStore.updateScopes(TEST_SHOP, API_KEY, ["write_products", "write_files"]);
    }
  });
});

describe("listSelectedImages", () => {
  it("refuses a selection that is neither ids nor a search", async () => {
    await expect(
      listSelectedImages(admin, { ids: ["x"] } as unknown as { query: string }),
    ).rejects.toMatchObject({ code: "invalid_selection", retryable: false });
  });

  it("hands out URLs that download to the photo in the store", async () => {
    const [first] = seeded;
    const { images } = await listSelectedImages(admin, { productIds: [first!.id] });
    const bytes = await downloadImage(images[0]!.url);
    const catalogFile = readCatalog().find((entry) => entry.title === first!.title)!;
    expect(bytes.equals(fs.readFileSync(path.join(CATALOG_DIR, catalogFile.image)))).toBe(true);
    expect((await openImage(bytes)).facts).toMatchObject({
      format: "jpeg",
      width: images[0]!.width,
      height: images[0]!.height,
    });
  });
});

describe("classifyMedia", () => {
  // The dev store models images only, so the other kinds of product media are checked here.
  const product = {
    id: "gid://shopify/Product/1",
    title: "Hat",
    productType: "Hats",
    vendor: "Acme",
  };
  const medium = (mediaContentType: string, status = "READY") =>
    ({ id: "gid://shopify/Media/2", alt: null, mediaContentType, status }) as never;

  it.each([
    ["VIDEO", "video", "This is a video; Photo Studio edits photos only."],
    [
      "EXTERNAL_VIDEO",
      "external_video",
      "This is a YouTube or Vimeo video; Photo Studio edits photos only.",
    ],
    ["MODEL_3D", "model_3d", "This is a 3D model; Photo Studio edits photos only."],
  ])("leaves out a %s with a reason", (type, code, reason) => {
    expect(classifyMedia(product, medium(type), 3)).toEqual({
      skipped: { productId: product.id, mediaId: "gid://shopify/Media/2", code, reason },
    });
  });

  it("leaves out a ready image that has no file", () => {
    expect(classifyMedia(product, medium("IMAGE"), 0)).toMatchObject({
      skipped: { code: "media_unavailable" },
    });
  });
});
