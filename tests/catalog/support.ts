import { TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import sharp from "sharp";
import { expect } from "vitest";

import { unauthenticated } from "~/shopify.server";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Data = any;

/** Runs a document through the app's own Admin API session for `shop`; answers `data`. */
export async function adminData(
  query: string,
  variables: Record<string, unknown> = {},
  shop = TEST_SHOP,
): Promise<Data> {
  const { admin } = await unauthenticated.admin(shop);
  const response = await admin.graphql(query, { variables });
  return ((await response.json()) as { data: Data }).data;
}

/** A product shot made for a known answer: a dark product on `background`, `size` px square. */
export async function productShot(background: string, size: number) {
  const shape = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
      `<rect x="${size * 0.25}" y="${size * 0.2}" width="${size * 0.5}" height="${size * 0.6}" rx="${size / 20}" fill="#2d3a4a"/></svg>`,
  );
  return sharp({ create: { width: size, height: size, channels: 3, background } })
    .composite([{ input: shape }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Uploads bytes as Shopify's staged upload does; answers the resource URL for productCreate. */
export async function stageImage(bytes: Buffer, filename: string, shop = TEST_SHOP) {
  const data = await adminData(
    `#graphql
    mutation PhotoStudioTestCatalogStage($input: [StagedUploadInput!]!) {
      stagedUploadsCreate(input: $input) {
        stagedTargets { url resourceUrl parameters { name value } }
        userErrors { field message }
      }
    }`,
    {
      input: [
        {
          resource: "IMAGE",
          httpMethod: "POST",
          filename,
          mimeType: "image/jpeg",
          fileSize: String(bytes.length),
        },
      ],
    },
    shop,
  );
  expect(data.stagedUploadsCreate.userErrors).toEqual([]);
  const target = data.stagedUploadsCreate.stagedTargets[0] as {
    url: string;
    resourceUrl: string;
    parameters: Array<{ name: string; value: string }>;
  };
  const form = new FormData();
  for (const { name, value } of target.parameters) form.append(name, value);
  form.append("file", new Blob([new Uint8Array(bytes)]), filename);
  expect((await fetch(target.url, { method: "POST", body: form })).status).toBe(201);
  return target.resourceUrl;
}

/** Creates a product with the given image sources (staged or CDN URLs); answers its id. */
export async function createProduct(
  product: { title: string; productType?: string; vendor?: string; status?: string },
  sources: string[],
  shop = TEST_SHOP,
): Promise<string> {
  const data = await adminData(
    `#graphql
    mutation PhotoStudioTestBrowserCreate($product: ProductCreateInput!, $media: [CreateMediaInput!]) {
      productCreate(product: $product, media: $media) {
        product { id }
        userErrors { field message }
      }
    }`,
    {
      product,
      media: sources.map((originalSource) => ({
        originalSource,
        mediaContentType: "IMAGE",
        alt: product.title,
      })),
    },
    shop,
  );
  expect(data.productCreate.userErrors).toEqual([]);
  return data.productCreate.product.id as string;
}

export async function setStatus(id: string, status: "ACTIVE" | "DRAFT" | "ARCHIVED") {
  const data = await adminData(
    `#graphql
    mutation PhotoStudioTestBrowserStatus($product: ProductUpdateInput!) {
      productUpdate(product: $product) { userErrors { message } }
    }`,
    { product: { id, status } },
  );
  expect(data.productUpdate.userErrors).toEqual([]);
}

/** Waits until every image of the shop's products has finished processing. */
export async function mediaSettled(shop = TEST_SHOP) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const data = await adminData(
      `#graphql
      query PhotoStudioTestBrowserMediaStatus {
        products(first: 50) { nodes { media(first: 5) { nodes { status } } } }
      }`,
      {},
      shop,
    );
    const statuses = (
      data.products.nodes as Array<{ media: { nodes: Array<{ status: string }> } }>
    ).flatMap((product) => product.media.nodes.map((medium) => medium.status));
    if (statuses.every((status) => status === "READY" || status === "FAILED")) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("product media are still processing");
}
