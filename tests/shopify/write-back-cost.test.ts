/**
 * What a bulk write-back costs in Shopify's rate limits: Admin requests and query-cost points per
 * image, through the production client (paced, process-wide counters) on a Standard plan, with many
 * write-backs running at once as the job workers run them. A Standard bucket restores 100 points a
 * second, so points per image set how fast a 1,000-image job can go at best.
 */
import fs from "node:fs";
import path from "node:path";

import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  adminClientFor,
  adminClientStats,
  resetAdminClientStats,
} from "~/shopify/admin-client.server";
import type { AdminClient } from "~/shopify/admin-types";
import {
  restoreOriginal,
  writeBackImage,
  type ImageBytes,
  type RestoreProgress,
  type WriteBackOptions,
  type WriteBackProgress,
  type WriteBackRequest,
} from "~/shopify/media-write-back.server";
import { readProductMedia, waitForFileProcessed } from "~/shopify/product-media.server";
import { stageUpload } from "~/shopify/staged-upload.server";
import { resetThrottlePacing } from "~/shopify/throttle-pacer.server";

import { CATALOG_DIR } from "../../emulators/shopify/src/seed";
import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";

import { memoryJournal } from "./support";

const SHOP = "write-back-cost.myshopify.com";
const PRODUCTS = 20;
const PHOTOS = [
  "abel-y-costa-716024-unsplash.jpg",
  "adam-birkett-239153-unsplash.jpg",
  "alexander-andrews-260988-unsplash.jpg",
];
const photo = (name: string) => fs.readFileSync(path.join(CATALOG_DIR, name));

/**
 * Shopify takes a second or a few to process an image and the app looks once a second: the same
 * proportion, scaled down, so the figures include the polls a real write-back makes.
 */
const OPTIONS: WriteBackOptions = {
  pollMs: 100,
  processingTimeoutMs: 20_000,
  reorderTimeoutMs: 20_000,
};

/** The budget: within 1.2 x of the bound the rate limits set for a 1,000-image job. */
const BUDGET = { requests: 4, points: 15 };

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let admin: AdminClient;
let result: ImageBytes;

interface Fixture {
  productId: string;
  media: [string, string, string];
}

beforeAll(async () => {
  harness = await startTestDevStore({ processingDelayMs: 250, products: 0 });
  await harness.addShop(SHOP, "Basic");
  expect((await openAppAsMerchant(SHOP)).status).toBe(200);
  resetThrottlePacing();
  admin = await adminClientFor(SHOP);
  result = {
    bytes: await sharp(photo("annie-spratt-78044-unsplash.jpg")).resize(800, 600).jpeg().toBuffer(),
    mimeType: "image/jpeg",
    extension: "jpg",
  };
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

/** Products of three photos whose default variant shows the second, the one written back to. */
async function fixtures(count: number): Promise<Fixture[]> {
  const sources = await Promise.all(
    PHOTOS.map((name) =>
      stageUpload(admin, { bytes: photo(name), mimeType: "image/jpeg", filename: name }),
    ),
  );
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const created = await admin.request(
        `#graphql
        mutation PhotoStudioTestCostProduct($product: ProductCreateInput!, $media: [CreateMediaInput!]) {
          productCreate(product: $product, media: $media) {
            product { id media(first: 5) { nodes { id } } variants(first: 1) { nodes { id } } }
            userErrors { field message }
          }
        }`,
        {
          variables: {
            product: { title: `Cost fixture ${index}` },
            media: sources.map((originalSource, n) => ({
              originalSource,
              mediaContentType: "IMAGE",
              alt: `Photo ${n}`,
            })),
          },
        },
      );
      expect(created.productCreate.userErrors).toEqual([]);
      const product = created.productCreate.product;
      const media = product.media.nodes.map((node: { id: string }) => node.id) as Fixture["media"];
      for (const id of media) {
        const file = await waitForFileProcessed(admin, id, { pollMs: 50, timeoutMs: 20_000 });
        expect(file?.status).toBe("READY");
      }
      const linked = await admin.request(
        `#graphql
        mutation PhotoStudioTestCostVariant($productId: ID!, $variantMedia: [ProductVariantAppendMediaInput!]!) {
          productVariantAppendMedia(productId: $productId, variantMedia: $variantMedia) {
            userErrors { field message code }
          }
        }`,
        {
          variables: {
            productId: product.id,
            variantMedia: [{ variantId: product.variants.nodes[0].id, mediaIds: [media[1]] }],
          },
        },
      );
      expect(linked.productVariantAppendMedia.userErrors).toEqual([]);
      return { productId: product.id as string, media };
    }),
  );
}

function measure(label: string, images: number) {
  const stats = adminClientStats();
  const perImage = {
    requests: stats.requests / images,
    points: stats.costSpent / images,
  };
  console.log(
    `${label}: ${images} images, ${stats.requests} requests (${perImage.requests.toFixed(2)} per image), ` +
      `${stats.costSpent} points (${perImage.points.toFixed(1)} per image), ${stats.throttled} throttled`,
  );
  return perImage;
}

describe("the cost of a bulk write-back in Shopify's rate limits", () => {
  it(`stays within ${BUDGET.requests} requests and ${BUDGET.points} points per image for same-format writes and their restores`, async () => {
    const products = await fixtures(PRODUCTS);
    const requests: WriteBackRequest[] = products.map((fixture, index) => ({
      writeBackId: `cost${index}x${Date.now().toString(36)}`,
      productId: fixture.productId,
      originalMediaId: fixture.media[1],
      mode: "replace",
      image: result,
      alt: `Studio shot ${index}`,
      original: async () => ({
        bytes: photo(PHOTOS[1]!),
        mimeType: "image/jpeg",
        extension: "jpg",
      }),
    }));

    // Each write-back gets its own client, as each job task does; they share the shop's bucket.
    resetAdminClientStats();
    const writes = await Promise.all(
      requests.map(async (request) =>
        writeBackImage(
          await adminClientFor(SHOP),
          request,
          memoryJournal<WriteBackProgress>(),
          OPTIONS,
        ),
      ),
    );
    const write = measure("same-format writes", PRODUCTS);

    expect(writes.map((written) => written.method)).toEqual(requests.map(() => "file-update"));
    for (const [index, fixture] of products.entries()) {
      const state = await readProductMedia(admin, fixture.productId);
      expect(state!.media.map((media) => media.id)).toEqual(fixture.media);
      expect(state!.media[1]).toMatchObject({
        alt: `Studio shot ${index}`,
        image: { width: 800, height: 600 },
      });
    }

    resetAdminClientStats();
    const restores = await Promise.all(
      requests.map(async (request, index) =>
        restoreOriginal(
          await adminClientFor(SHOP),
          { ...request, method: "file-update", progress: writes[index]!.progress },
          memoryJournal<RestoreProgress>(),
          OPTIONS,
        ),
      ),
    );
    const restore = measure("restores", PRODUCTS);

    for (const [index, fixture] of products.entries()) {
      expect(restores[index]!.restoredMediaId).toBe(fixture.media[1]);
      const state = await readProductMedia(admin, fixture.productId);
      expect(state!.media.map((media) => media.id)).toEqual(fixture.media);
      expect(state!.media[1]).toMatchObject({
        alt: "Photo 1",
        image: { width: 1067, height: 1600 },
      });
      expect(state!.variants[0]!.mediaIds).toEqual([fixture.media[1]]);
    }

    expect(write.requests).toBeLessThanOrEqual(BUDGET.requests);
    expect(write.points).toBeLessThanOrEqual(BUDGET.points);
    expect(restore.requests).toBeLessThanOrEqual(BUDGET.requests);
    expect(restore.points).toBeLessThanOrEqual(BUDGET.points);
  }, 180_000);
});
