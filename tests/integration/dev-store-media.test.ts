import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import { TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { unauthenticated } from "~/shopify.server";

import { CATALOG_DIR } from "../../emulators/shopify/src/seed";
import { startTestDevStore, openAppAsMerchant } from "../support/dev-store";

const JPEG = fs.readFileSync(path.join(CATALOG_DIR, "abel-y-costa-716024-unsplash.jpg")); // 1600x1067
const OTHER_JPEG = fs.readFileSync(path.join(CATALOG_DIR, "adam-birkett-239153-unsplash.jpg")); // 1067x1600

/** Long enough to see a file UPLOADED, then PROCESSING, before it is READY. */
const PROCESSING_DELAY_MS = 300;

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let hooks: Awaited<ReturnType<typeof collectProductWebhooks>>;

beforeAll(async () => {
  harness = await startTestDevStore({ processingDelayMs: PROCESSING_DELAY_MS, products: 4 });
  await harness.addShop(TEST_SHOP);
  const opened = await openAppAsMerchant();
  expect(opened.status).toBe(200);
  hooks = await collectProductWebhooks();
  harness.app.webhooks.push({
    topics: ["products/create", "products/update"],
    uri: `${hooks.url}/products`,
    compliance: false,
  });
});

afterAll(async () => {
  await harness.close();
  await hooks.close();
});

/** Receives product webhooks over HTTP, as the app's endpoint would. */
async function collectProductWebhooks() {
  const received: Array<{ topic: string; body: Record<string, unknown> }> = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({
      topic: String(req.headers["x-shopify-topic"]),
      body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>,
    });
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Data = any;

/** Runs a document through the app's own Admin API client; answers `data`. */
async function adminData(query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const { admin } = await unauthenticated.admin(TEST_SHOP);
  const response = await admin.graphql(query, { variables });
  return ((await response.json()) as { data: Data }).data;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface MediaTestTarget {
  url: string;
  resourceUrl: string;
  parameters: Array<{ name: string; value: string }>;
}

async function stageMediaUpload(input: {
  filename: string;
  mimeType: string;
  httpMethod?: "POST" | "PUT";
  resource?: string;
  fileSize?: string;
}): Promise<MediaTestTarget> {
  const data = await adminData(
    `#graphql
    mutation PhotoStudioTestStage($input: [StagedUploadInput!]!) {
      stagedUploadsCreate(input: $input) {
        stagedTargets { url resourceUrl parameters { name value } }
        userErrors { field message }
      }
    }`,
    { input: [{ resource: "IMAGE", httpMethod: "POST", ...input }] },
  );
  expect(data.stagedUploadsCreate.userErrors).toEqual([]);
  return data.stagedUploadsCreate.stagedTargets[0];
}

/** The multipart POST a client makes to a GCS policy target: every parameter, then the file. */
function postToStagedTarget(
  target: MediaTestTarget,
  bytes: Buffer,
  filename: string,
  change: (form: FormData) => void = () => {},
) {
  const form = new FormData();
  for (const { name, value } of target.parameters) form.append(name, value);
  change(form);
  form.append("file", new Blob([new Uint8Array(bytes)]), filename);
  return fetch(target.url, { method: "POST", body: form });
}

async function uploadMedia(bytes: Buffer, filename: string, mimeType = "image/jpeg") {
  const target = await stageMediaUpload({ filename, mimeType, fileSize: String(bytes.length) });
  expect((await postToStagedTarget(target, bytes, filename)).status).toBe(201);
  return target.resourceUrl;
}

const FILE_FIELDS = `#graphql
  fragment PhotoStudioTestFileFields on File {
    id fileStatus alt
    fileErrors { code message details }
    ... on MediaImage {
      mediaErrors { code }
      image { url width height }
    }
  }`;

async function createMediaFile(originalSource: string, extra: Record<string, unknown> = {}) {
  const data = await adminData(
    `#graphql
    ${FILE_FIELDS}
    mutation PhotoStudioTestFileCreate($files: [FileCreateInput!]!) {
      fileCreate(files: $files) {
        files { ...PhotoStudioTestFileFields }
        userErrors { field message code }
      }
    }`,
    { files: [{ originalSource, contentType: "IMAGE", ...extra }] },
  );
  expect(data.fileCreate.userErrors).toEqual([]);
  return data.fileCreate.files[0];
}

async function readMediaFile(id: string) {
  const data = await adminData(
    `#graphql
    ${FILE_FIELDS}
    query PhotoStudioTestFile($id: ID!) { node(id: $id) { ...PhotoStudioTestFileFields } }`,
    { id },
  );
  return data.node;
}

/** Polls a file until processing is over; answers it and the statuses seen on the way. */
async function settledMediaFile(id: string) {
  const seen: string[] = [];
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const file = await readMediaFile(id);
    if (seen.at(-1) !== file.fileStatus) seen.push(file.fileStatus);
    if (file.fileStatus === "READY" || file.fileStatus === "FAILED") return { file, seen };
    await sleep(25);
  }
  throw new Error(`file ${id} is still processing`);
}

async function readyMediaFile(bytes: Buffer, filename: string, mimeType = "image/jpeg") {
  const created = await createMediaFile(await uploadMedia(bytes, filename, mimeType));
  const { file } = await settledMediaFile(created.id);
  expect(file.fileStatus).toBe("READY");
  return file;
}

async function updateMediaFiles(files: Array<Record<string, unknown>>) {
  const data = await adminData(
    `#graphql
    ${FILE_FIELDS}
    mutation PhotoStudioTestFileUpdate($files: [FileUpdateInput!]!) {
      fileUpdate(files: $files) {
        files { ...PhotoStudioTestFileFields }
        userErrors { field message code }
      }
    }`,
    { files },
  );
  return data.fileUpdate;
}

async function productMediaOf(productId: string) {
  const data = await adminData(
    `#graphql
    query PhotoStudioTestProductMedia($id: ID!) {
      product(id: $id) {
        media(first: 50) { nodes { id status } }
        variants(first: 5) { nodes { id media(first: 5) { nodes { id } } } }
      }
    }`,
    { id: productId },
  );
  return {
    mediaIds: data.product.media.nodes.map((node: { id: string }) => node.id) as string[],
    variants: data.product.variants.nodes as Array<{
      id: string;
      media: { nodes: Array<{ id: string }> };
    }>,
  };
}

/** A seeded product no other test touches. */
function productGid(index: number) {
  const shop = harness.devStore.store.shop(TEST_SHOP)!;
  return `gid://shopify/Product/${shop.products[index]!.id}`;
}

async function bytesAt(url: string) {
  const response = await fetch(url);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe("staged uploads and fileCreate on the dev store", () => {
  it("turns a staged JPEG into a file that goes UPLOADED, PROCESSING, READY with its size and CDN bytes", async () => {
    const target = await stageMediaUpload({
      filename: "studio-shot.jpg",
      mimeType: "image/jpeg",
      fileSize: String(JPEG.length),
    });
    expect(target.parameters.map((parameter) => parameter.name)).toEqual([
      "Content-Type",
      "success_action_status",
      "acl",
      "key",
      "x-goog-date",
      "x-goog-credential",
      "x-goog-algorithm",
      "x-goog-signature",
      "policy",
    ]);
    const upload = await postToStagedTarget(target, JPEG, "studio-shot.jpg");
    expect(upload.status).toBe(201);
    expect(await upload.text()).toMatch(
      /<PostResponse><Location>.+<\/Location><Bucket>.+<\/Bucket><Key>tmp\/\d+\/products\/[\da-f-]{36}\/studio-shot\.jpg<\/Key><ETag>.+<\/ETag><\/PostResponse>/,
    );

    const created = await createMediaFile(target.resourceUrl, { alt: "A studio shot" });
    expect(created).toMatchObject({ fileStatus: "UPLOADED", alt: "A studio shot", image: null });

    const { file, seen } = await settledMediaFile(created.id);
    expect(seen.slice(-2)).toEqual(["PROCESSING", "READY"]);
    expect(file.image).toMatchObject({ width: 1600, height: 1067 });
    expect(file.image.url).toMatch(/\/cdn\/shop\/files\/\d+\/\d+\/studio-shot\.jpg\?v=1$/);
    const served = await bytesAt(file.image.url);
    expect(served.bytes.equals(JPEG)).toBe(true);
  });

  it("accepts a PUT upload to a signed URL carrying the signed Content-Type", async () => {
    const png = await sharp({
      create: { width: 64, height: 48, channels: 3, background: "#3366ff" },
    })
      .png()
      .toBuffer();
    const target = await stageMediaUpload({
      filename: "swatch.png",
      mimeType: "image/png",
      httpMethod: "PUT",
    });
    expect(target.url).toContain("X-Goog-Signature=");
    expect(target.parameters).toEqual([
      { name: "content_type", value: "image/png" },
      { name: "acl", value: "private" },
    ]);
    const unsigned = await fetch(target.url, {
      method: "PUT",
      headers: { "Content-Type": "image/jpeg" },
      body: new Uint8Array(png),
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain("<Code>SignatureDoesNotMatch</Code>");

    const put = await fetch(target.url, {
      method: "PUT",
      headers: { "Content-Type": "image/png" },
      body: new Uint8Array(png),
    });
    expect(put.status).toBe(200);
    const { file } = await settledMediaFile((await createMediaFile(target.resourceUrl)).id);
    expect(file.image).toMatchObject({ width: 64, height: 48 });
  });

  it("refuses uploads with an unknown key, an expired policy, another Content-Type or too many bytes", async () => {
    const target = await stageMediaUpload({
      filename: "limits.jpg",
      mimeType: "image/jpeg",
      fileSize: "1000",
    });
    const key = target.parameters.find((parameter) => parameter.name === "key")!.value;

    const unknownKey = await postToStagedTarget(
      target,
      JPEG.subarray(0, 500),
      "limits.jpg",
      (form) =>
        form.set("key", key.replace(/[\da-f-]{36}/, "00000000-0000-0000-0000-000000000000")),
    );
    expect(unknownKey.status).toBe(403);
    expect(await unknownKey.text()).toContain("<Code>SignatureDoesNotMatch</Code>");

    const otherType = await postToStagedTarget(
      target,
      JPEG.subarray(0, 500),
      "limits.jpg",
      (form) => form.set("Content-Type", "image/png"),
    );
    expect(otherType.status).toBe(400);
    expect(await otherType.text()).toMatch(/<Code>InvalidPolicyDocument<\/Code>.*Content-Type/);

    const tooLarge = await postToStagedTarget(target, JPEG.subarray(0, 2000), "limits.jpg");
    expect(tooLarge.status).toBe(400);
    expect(await tooLarge.text()).toContain("<Code>EntityTooLarge</Code>");

    harness.devStore.store.state.stagedUploads[key]!.expiresAt = new Date(
      Date.now() - 1000,
    ).toISOString();
    const expired = await postToStagedTarget(target, JPEG.subarray(0, 500), "limits.jpg");
    expect(expired.status).toBe(400);
    expect(await expired.text()).toMatch(/<Code>InvalidPolicyDocument<\/Code>.*expired/);

    // Nothing was stored: the file made from the target cannot be downloaded.
    const { file } = await settledMediaFile((await createMediaFile(target.resourceUrl)).id);
    expect(file.fileErrors).toMatchObject([{ code: "IMAGE_DOWNLOAD_FAILURE" }]);
  });

  it("refuses to stage an image above Shopify's 20 MB limit", async () => {
    const data = await adminData(
      `#graphql
      mutation PhotoStudioTestStageHuge($input: [StagedUploadInput!]!) {
        stagedUploadsCreate(input: $input) { stagedTargets { url } userErrors { field message } }
      }`,
      {
        input: [
          { filename: "huge.jpg", mimeType: "image/jpeg", resource: "IMAGE", fileSize: "30000000" },
        ],
      },
    );
    expect(data.stagedUploadsCreate).toMatchObject({
      stagedTargets: null,
      userErrors: [{ field: ["input", "0", "fileSize"] }],
    });
  });

  it("fails an image above 20 megapixels with INVALID_IMAGE_RESOLUTION", async () => {
    const huge = await sharp({
      create: { width: 5000, height: 5000, channels: 3, background: "#ffffff" },
    })
      .png()
      .toBuffer();
    const created = await createMediaFile(await uploadMedia(huge, "poster.png", "image/png"));
    const { file } = await settledMediaFile(created.id);
    expect(file).toMatchObject({
      fileStatus: "FAILED",
      image: null,
      fileErrors: [
        { code: "INVALID_IMAGE_RESOLUTION", details: expect.stringContaining("5000 x 5000") },
      ],
      mediaErrors: [{ code: "INVALID_IMAGE_RESOLUTION" }],
    });
  });

  it("fails a file from an external URL, which the offline dev store cannot download", async () => {
    const created = await createMediaFile("https://images.example.com/shoe.jpg");
    const { file } = await settledMediaFile(created.id);
    expect(file).toMatchObject({
      fileStatus: "FAILED",
      fileErrors: [{ code: "IMAGE_DOWNLOAD_FAILURE", details: expect.stringContaining("offline") }],
    });
  });
});

describe("fileCreate's inputs and file names on the dev store", () => {
  it("creates a GenericFile from a staged CSV and serves it as uploaded", async () => {
    const csv = Buffer.from("sku,title\nTOTE-1,Linen Tote\n");
    const target = await stageMediaUpload({
      filename: "price-list.csv",
      mimeType: "text/csv",
      resource: "FILE",
    });
    expect((await postToStagedTarget(target, csv, "price-list.csv")).status).toBe(201);
    const data = await adminData(
      `#graphql
      mutation PhotoStudioTestGenericFile($files: [FileCreateInput!]!) {
        fileCreate(files: $files) { files { id fileStatus } userErrors { code } }
      }`,
      { files: [{ originalSource: target.resourceUrl, contentType: "FILE" }] },
    );
    const id = data.fileCreate.files[0].id as string;
    expect(id).toMatch(/^gid:\/\/shopify\/GenericFile\/\d+$/);

    let file: Data = null;
    for (let attempt = 0; attempt < 50 && file?.fileStatus !== "READY"; attempt += 1) {
      await sleep(25);
      const listed = await adminData(
        `#graphql
        query PhotoStudioTestGenericFiles {
          files(first: 5, query: "media_type:GENERIC_FILE") {
            nodes { id fileStatus ... on GenericFile { url mimeType originalFileSize } }
          }
        }`,
      );
      file = listed.files.nodes.find((node: { id: string }) => node.id === id);
    }
    expect(file).toMatchObject({ mimeType: "text/csv", originalFileSize: csv.length });
    const served = await fetch(file.url);
    expect(served.headers.get("content-type")).toBe("text/csv");
    expect(await served.text()).toBe(csv.toString());
  });

  it("refuses a batch with an invalid input, creating none of its files", async () => {
    const source = await uploadMedia(JPEG, "batch.jpg");
    const before = harness.devStore.store.shop(TEST_SHOP)!.files.length;
    const data = await adminData(
      `#graphql
      mutation PhotoStudioTestBadBatch($files: [FileCreateInput!]!) {
        fileCreate(files: $files) { files { id } userErrors { field code } }
      }`,
      {
        files: [
          { originalSource: source, contentType: "IMAGE" },
          { originalSource: source, contentType: "IMAGE", filename: "batch.png" },
          { originalSource: "not a url", contentType: "IMAGE" },
          { originalSource: source, duplicateResolutionMode: "REPLACE" },
        ],
      },
    );
    expect(data.fileCreate).toEqual({
      files: null,
      userErrors: [
        { field: ["files", "1", "filename"], code: "MISMATCHED_FILENAME_AND_ORIGINAL_SOURCE" },
        { field: ["files", "2", "originalSource"], code: "INVALID_IMAGE_SOURCE_URL" },
        {
          field: ["files", "3", "duplicateResolutionMode"],
          code: "MISSING_FILENAME_FOR_DUPLICATE_MODE_REPLACE",
        },
      ],
    });
    expect(harness.devStore.store.shop(TEST_SHOP)!.files).toHaveLength(before);
  });

  it("appends a uuid to a file name in use, fails the file with RAISE_ERROR and replaces in place with REPLACE", async () => {
    const first = await readyMediaFile(JPEG, "lookbook.jpg");
    const source = await uploadMedia(OTHER_JPEG, "lookbook.jpg");

    const appended = await settledMediaFile((await createMediaFile(source)).id);
    expect(new URL(appended.file.image.url).pathname).toMatch(/\/lookbook_[\da-f-]{36}\.jpg$/);

    const raised = await settledMediaFile(
      (await createMediaFile(source, { duplicateResolutionMode: "RAISE_ERROR" })).id,
    );
    expect(raised.file.fileErrors).toMatchObject([{ code: "DUPLICATE_FILENAME_ERROR" }]);

    const replaced = await createMediaFile(source, {
      filename: "lookbook.jpg",
      duplicateResolutionMode: "REPLACE",
    });
    expect(replaced.id).toBe(first.id);
    const { file } = await settledMediaFile(first.id);
    expect(file.image).toMatchObject({ width: 1067, height: 1600 });
  });
});

describe("fileUpdate on the dev store", () => {
  it("replaces a READY file's bytes in place: same id and URL path, new version, new bytes", async () => {
    const original = await readyMediaFile(JPEG, "in-place.jpg");
    const replacement = await uploadMedia(OTHER_JPEG, "in-place-v2.jpg");

    const updated = await updateMediaFiles([{ id: original.id, originalSource: replacement }]);
    expect(updated.userErrors).toEqual([]);
    expect(updated.files[0]).toMatchObject({ id: original.id, fileStatus: "UPLOADED" });

    const { file } = await settledMediaFile(original.id);
    expect(file.image).toMatchObject({ width: 1067, height: 1600 });
    const [before, after] = [new URL(original.image.url), new URL(file.image.url)];
    expect(after.pathname).toBe(before.pathname);
    expect(after.searchParams.get("v")).toBe("2");
    expect((await bytesAt(file.image.url)).bytes.equals(OTHER_JPEG)).toBe(true);
  });

  it("refuses a replacement with another file extension", async () => {
    const original = await readyMediaFile(JPEG, "keeps-jpg.jpg");
    const png = await sharp(OTHER_JPEG).png().toBuffer();
    const source = await uploadMedia(png, "keeps-jpg.png", "image/png");

    const updated = await updateMediaFiles([{ id: original.id, originalSource: source }]);
    expect(updated).toMatchObject({
      files: null,
      userErrors: [{ field: ["files", "0", "originalSource"], code: "INVALID_FILENAME_EXTENSION" }],
    });
  });

  it("refuses to update a file that is still processing", async () => {
    const created = await createMediaFile(await uploadMedia(JPEG, "busy.jpg"));

    const updated = await updateMediaFiles([{ id: created.id, alt: "Too early" }]);
    expect(updated.userErrors).toMatchObject([
      { field: ["files", "0", "id"], code: "NON_READY_STATE" },
    ]);
  });

  it("attaches a file to a product and, when the reference is removed, clears the variant image using it", async () => {
    const product = productGid(0);
    const file = await readyMediaFile(JPEG, "variant-shot.jpg");
    expect(
      (await updateMediaFiles([{ id: file.id, referencesToAdd: [product] }])).userErrors,
    ).toEqual([]);
    const { variants } = await productMediaOf(product);
    const appended = await adminData(
      `#graphql
      mutation PhotoStudioTestVariantAppend($productId: ID!, $variantMedia: [ProductVariantAppendMediaInput!]!) {
        productVariantAppendMedia(productId: $productId, variantMedia: $variantMedia) {
          productVariants { id media(first: 1) { nodes { id } } }
          userErrors { field message code }
        }
      }`,
      { productId: product, variantMedia: [{ variantId: variants[0]!.id, mediaIds: [file.id] }] },
    );
    expect(appended.productVariantAppendMedia.userErrors).toEqual([]);
    expect(appended.productVariantAppendMedia.productVariants[0].media.nodes).toEqual([
      { id: file.id },
    ]);
    // Each change of the product's media was a products/update; the last shows the variant image.
    await harness.devStore.webhooks.idle();
    const updates = hooks.received.filter(
      (hook) => hook.topic === "products/update" && hook.body.admin_graphql_api_id === product,
    );
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.at(-1)!.body.media).toContainEqual(
      expect.objectContaining({
        admin_graphql_api_id: file.id,
        status: "READY",
        variant_ids: [Number(variants[0]!.id.split("/").at(-1))],
      }),
    );

    expect(
      (await updateMediaFiles([{ id: file.id, referencesToRemove: [product] }])).userErrors,
    ).toEqual([]);
    const after = await productMediaOf(product);
    expect(after.mediaIds).not.toContain(file.id);
    expect(after.variants[0]!.media.nodes).toEqual([]);
  });
});

describe("product media on the dev store", () => {
  it("reorders a product's media asynchronously, reporting through a Job", async () => {
    const product = productGid(1);
    const added = [
      await readyMediaFile(JPEG, "order-a.jpg"),
      await readyMediaFile(OTHER_JPEG, "order-b.jpg"),
    ];
    await updateMediaFiles(added.map((file) => ({ id: file.id, referencesToAdd: [product] })));
    const before = (await productMediaOf(product)).mediaIds;
    expect(before.slice(-2)).toEqual(added.map((file) => file.id));

    const reordered = await adminData(
      `#graphql
      mutation PhotoStudioTestReorder($id: ID!, $moves: [MoveInput!]!) {
        productReorderMedia(id: $id, moves: $moves) { job { id done } mediaUserErrors { field code } }
      }`,
      { id: product, moves: [{ id: added[1]!.id, newPosition: "0" }] },
    );
    expect(reordered.productReorderMedia).toMatchObject({
      job: { done: false },
      mediaUserErrors: [],
    });
    expect((await productMediaOf(product)).mediaIds).toEqual(before);

    let done = false;
    for (let attempt = 0; attempt < 50 && !done; attempt += 1) {
      await sleep(25);
      const data = await adminData(
        `#graphql
        query PhotoStudioTestJob($id: ID!) { job(id: $id) { id done } }`,
        { id: reordered.productReorderMedia.job.id },
      );
      done = data.job.done;
    }
    expect(done).toBe(true);
    expect((await productMediaOf(product)).mediaIds).toEqual([
      added[1]!.id,
      ...before.filter((id) => id !== added[1]!.id),
    ]);
  });

  it("refuses a variant image that is still processing with NON_READY_MEDIA", async () => {
    const product = productGid(2);
    const source = await uploadMedia(JPEG, "not-yet.jpg");
    const updated = await adminData(
      `#graphql
      mutation PhotoStudioTestProductMedia($product: ProductUpdateInput!, $media: [CreateMediaInput!]) {
        productUpdate(product: $product, media: $media) {
          product { media(first: 10) { nodes { id status } } variants(first: 1) { nodes { id } } }
          userErrors { field message }
        }
      }`,
      {
        product: { id: product },
        media: [{ originalSource: source, mediaContentType: "IMAGE", alt: "Soon" }],
      },
    );
    expect(updated.productUpdate.userErrors).toEqual([]);
    const media = updated.productUpdate.product.media.nodes.at(-1);
    expect(media.status).not.toBe("READY");

    const appended = await adminData(
      `#graphql
      mutation PhotoStudioTestVariantTooEarly($productId: ID!, $variantMedia: [ProductVariantAppendMediaInput!]!) {
        productVariantAppendMedia(productId: $productId, variantMedia: $variantMedia) {
          productVariants { id }
          userErrors { field code }
        }
      }`,
      {
        productId: product,
        variantMedia: [
          { variantId: updated.productUpdate.product.variants.nodes[0].id, mediaIds: [media.id] },
        ],
      },
    );
    expect(appended.productVariantAppendMedia).toMatchObject({
      productVariants: null,
      userErrors: [{ field: ["variantMedia", "0", "mediaIds"], code: "NON_READY_MEDIA" }],
    });
  });

  it("creates a product with media (products/create) and sets its media list with productSet", async () => {
    const first = await uploadMedia(JPEG, "new-product.jpg");
    const created = await adminData(
      `#graphql
      mutation PhotoStudioTestProductCreate($product: ProductCreateInput!, $media: [CreateMediaInput!]) {
        productCreate(product: $product, media: $media) {
          product { id handle media(first: 5) { nodes { id alt } } }
          userErrors { field message }
        }
      }`,
      {
        product: { title: "Linen Tote", productType: "Bags" },
        media: [{ originalSource: first, mediaContentType: "IMAGE", alt: "The tote" }],
      },
    );
    const product = created.productCreate.product;
    expect(product.handle).toBe("linen-tote");
    expect(product.media.nodes).toMatchObject([{ alt: "The tote" }]);
    await harness.devStore.webhooks.idle();
    expect(
      hooks.received.some(
        (hook) => hook.topic === "products/create" && hook.body.admin_graphql_api_id === product.id,
      ),
    ).toBe(true);

    const front = product.media.nodes[0].id as string;
    const second = await uploadMedia(OTHER_JPEG, "new-product-back.jpg");
    const setMedia = async (files: Array<Record<string, unknown>>) =>
      adminData(
        `#graphql
        mutation PhotoStudioTestProductSet($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
          productSet(input: $input, identifier: $identifier) {
            product { media(first: 5) { nodes { id alt } } }
            userErrors { field message code }
          }
        }`,
        { identifier: { id: product.id }, input: { files } },
      );
    const both = await setMedia([
      { originalSource: second, alt: "Back" },
      { id: front, alt: "Front" },
    ]);
    expect(both.productSet.userErrors).toEqual([]);
    const back = both.productSet.product.media.nodes[0].id as string;
    expect(both.productSet.product.media.nodes).toEqual([
      { id: back, alt: "Back" },
      { id: front, alt: "Front" },
    ]);

    const onlyBack = await setMedia([{ id: back }]);
    expect(onlyBack.productSet.product.media.nodes).toEqual([{ id: back, alt: "Back" }]);
    // The media left out left the product, not the shop's files.
    expect(await readMediaFile(front)).toMatchObject({ id: front, alt: "Front" });
  });
});

describe("files and fileDelete on the dev store", () => {
  it("lists files with Shopify's filters and sort keys", async () => {
    await readyMediaFile(JPEG, "listing-zeta.jpg");
    await readyMediaFile(OTHER_JPEG, "listing-alpha.jpg");
    const data = await adminData(
      `#graphql
      query PhotoStudioTestFiles($query: String) {
        files(first: 10, query: $query, sortKey: FILENAME) {
          nodes { id ... on MediaImage { image { url } } }
        }
        failed: files(first: 50, query: "media_type:IMAGE AND status:FAILED") {
          nodes { fileStatus }
        }
      }`,
      { query: "filename:listing-*" },
    );
    expect(
      data.files.nodes.map((node: { image: { url: string } }) =>
        new URL(node.image.url).pathname.split("/").at(-1),
      ),
    ).toEqual(["listing-alpha.jpg", "listing-zeta.jpg"]);
    expect(data.failed.nodes.length).toBeGreaterThan(0);
    expect(
      new Set(data.failed.nodes.map((node: { fileStatus: string }) => node.fileStatus)),
    ).toEqual(new Set(["FAILED"]));
  });

  it("deletes files from products, variants and the CDN, and reports unknown ids", async () => {
    const product = productGid(3);
    const file = await readyMediaFile(JPEG, "to-delete.jpg");
    await updateMediaFiles([{ id: file.id, referencesToAdd: [product] }]);
    const { variants } = await productMediaOf(product);
    await adminData(
      `#graphql
      mutation PhotoStudioTestVariantForDelete($productId: ID!, $variantMedia: [ProductVariantAppendMediaInput!]!) {
        productVariantAppendMedia(productId: $productId, variantMedia: $variantMedia) { userErrors { code } }
      }`,
      { productId: product, variantMedia: [{ variantId: variants[0]!.id, mediaIds: [file.id] }] },
    );

    const DELETE = `#graphql
      mutation PhotoStudioTestFileDelete($ids: [ID!]!) {
        fileDelete(fileIds: $ids) { deletedFileIds userErrors { field code } }
      }`;
    const deleted = await adminData(DELETE, { ids: [file.id] });
    expect(deleted.fileDelete).toEqual({ deletedFileIds: [file.id], userErrors: [] });
    const after = await productMediaOf(product);
    expect(after.mediaIds).not.toContain(file.id);
    expect(after.variants[0]!.media.nodes).toEqual([]);
    expect((await bytesAt(file.image.url)).status).toBe(404);

    const again = await adminData(DELETE, { ids: [file.id] });
    expect(again.fileDelete).toEqual({
      deletedFileIds: null,
      userErrors: [{ field: ["fileIds"], code: "FILE_DOES_NOT_EXIST" }],
    });
  });
});
