import fs from "node:fs";
import path from "node:path";

import { TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { AdminClient } from "~/shopify/admin-types";
import {
  restoreOriginal,
  writeBackImage,
  WriteBackError,
  type ImageBytes,
  type RestoreProgress,
  type WriteBackOptions,
  type WriteBackProgress,
  type WriteBackRequest,
} from "~/shopify/media-write-back.server";
import {
  createMediaFile,
  findMediaFilesNamed,
  readMediaFile,
  readProductMedia,
  updateMediaFile,
  waitForFileProcessed,
  type ProductMediaState,
} from "~/shopify/product-media.server";
import { stageUpload, StagedUploadError } from "~/shopify/staged-upload.server";

import { CATALOG_DIR } from "../../emulators/shopify/src/seed";
import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";

import {
  crashingJournal,
  memoryJournal,
  operationName,
  SimulatedCrash,
  testAdminClient,
} from "./support";

const PHOTOS = [
  "abel-y-costa-716024-unsplash.jpg", // 1600 x 1067
  "adam-birkett-239153-unsplash.jpg", // 1067 x 1600
  "alexander-andrews-260988-unsplash.jpg",
];
const photo = (name: string) => fs.readFileSync(path.join(CATALOG_DIR, name));

const FAST: WriteBackOptions = { pollMs: 10, processingTimeoutMs: 5_000, reorderTimeoutMs: 5_000 };
const FAST_WAIT = { pollMs: 10, timeoutMs: 5_000 };

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let admin: ReturnType<typeof testAdminClient>;
/** Staged copies of the catalog photos, each product fixture's media source. */
let sources: string[];
/** The "approved result": another catalog photo, smaller, as JPEG and as PNG. */
let resultJpeg: ImageBytes;
let resultPng: ImageBytes;

beforeAll(async () => {
  harness = await startTestDevStore({ processingDelayMs: 30, products: 1 });
  // Plus: a bucket large enough that throttling, which the production client paces, never shows.
  await harness.addShop(TEST_SHOP, "Plus");
  expect((await openAppAsMerchant()).status).toBe(200);
  admin = testAdminClient(TEST_SHOP);
  sources = await Promise.all(
    PHOTOS.map((name) =>
      stageUpload(admin, { bytes: photo(name), mimeType: "image/jpeg", filename: name }),
    ),
  );
  const resized = sharp(photo("annie-spratt-78044-unsplash.jpg")).resize(800, 600);
  resultJpeg = {
    bytes: await resized.clone().jpeg().toBuffer(),
    mimeType: "image/jpeg",
    extension: "jpg",
  };
  resultPng = {
    bytes: await resized.clone().png().toBuffer(),
    mimeType: "image/png",
    extension: "png",
  };
});

afterAll(async () => {
  await harness?.close();
});

const shopState = () => harness.devStore.store.shop(TEST_SHOP)!;
const numericId = (gid: string) => Number(gid.split("/").at(-1));
const productRecord = (gid: string) =>
  shopState().products.find((product) => product.id === numericId(gid))!;

let fixtureCount = 0;

/**
 * A product with three photos [A, B, C] and three variants: the first two show B, the third shows
 * A. B, in the middle, is the image written back to. Variants are added in the dev store's state:
 * it has no variant-creating mutation; everything else goes through the Admin API.
 */
async function productFixture() {
  fixtureCount += 1;
  const created = await admin.request(
    `#graphql
    mutation PhotoStudioTestProduct($product: ProductCreateInput!, $media: [CreateMediaInput!]) {
      productCreate(product: $product, media: $media) {
        product { id media(first: 5) { nodes { id } } variants(first: 1) { nodes { id } } }
        userErrors { field message }
      }
    }`,
    {
      variables: {
        product: { title: `Write-back fixture ${fixtureCount}` },
        media: sources.map((originalSource, index) => ({
          originalSource,
          mediaContentType: "IMAGE",
          alt: `Photo ${"ABC"[index]}`,
        })),
      },
    },
  );
  expect(created.productCreate.userErrors).toEqual([]);
  const productId = created.productCreate.product.id as string;
  const media = created.productCreate.product.media.nodes.map((node: { id: string }) => node.id);
  for (const id of media) {
    expect((await waitForFileProcessed(admin, id, { pollMs: 10, timeoutMs: 5_000 }))?.status).toBe(
      "READY",
    );
  }
  const record = productRecord(productId);
  for (const title of ["Blue", "Green"]) {
    record.variants.push({
      id: harness.devStore.store.nextId(),
      title,
      price: "10.00",
      sku: null,
      position: record.variants.length + 1,
      mediaIds: [],
    });
  }
  const variants = record.variants.map((variant) => `gid://shopify/ProductVariant/${variant.id}`);
  const linked = await admin.request(
    `#graphql
    mutation PhotoStudioTestLinkVariants($productId: ID!, $variantMedia: [ProductVariantAppendMediaInput!]!) {
      productVariantAppendMedia(productId: $productId, variantMedia: $variantMedia) {
        userErrors { field message code }
      }
    }`,
    {
      variables: {
        productId,
        variantMedia: [
          { variantId: variants[0], mediaIds: [media[1]] },
          { variantId: variants[1], mediaIds: [media[1]] },
          { variantId: variants[2], mediaIds: [media[0]] },
        ],
      },
    },
  );
  expect(linked.productVariantAppendMedia.userErrors).toEqual([]);
  const [a, b, c] = media as [string, string, string];
  return { productId, a, b, c, variants: variants as [string, string, string] };
}

let writeCount = 0;

function writeRequest(
  fixture: { productId: string; b: string },
  overrides: Partial<WriteBackRequest> = {},
): WriteBackRequest {
  writeCount += 1;
  return {
    writeBackId: `wb${writeCount}x${Date.now().toString(36)}`,
    productId: fixture.productId,
    originalMediaId: fixture.b,
    mode: "replace",
    image: resultJpeg,
    alt: null,
    original: async () => ({ bytes: photo(PHOTOS[1]!), mimeType: "image/jpeg", extension: "jpg" }),
    ...overrides,
  };
}

/** What a merchant sees of the product's media: order, alt texts and variant images. */
function gallery(state: ProductMediaState | null) {
  return {
    media: state!.media.map((media) => ({
      id: media.id,
      alt: media.alt,
      position: media.position,
    })),
    variants: state!.variants,
  };
}

/** The files a write created (its name's stem), as Shopify's Files search finds them. */
async function filesOf(writeBackId: string) {
  return findMediaFilesNamed(admin, `photo-studio-${writeBackId}`);
}

async function failure(promise: Promise<unknown>): Promise<WriteBackError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(WriteBackError);
  return error as WriteBackError;
}

describe("readProductMedia", () => {
  it("reads the media in order with status, alt, format and size, and the image of each variant", async () => {
    const fixture = await productFixture();
    const state = await readProductMedia(admin, fixture.productId);
    expect(state!.media).toMatchObject([
      {
        id: fixture.a,
        position: 0,
        alt: "Photo A",
        status: "READY",
        mimeType: "image/jpeg",
        extension: "jpg",
        image: { width: 1600, height: 1067 },
      },
      {
        id: fixture.b,
        position: 1,
        alt: "Photo B",
        status: "READY",
        extension: "jpg",
        image: { width: 1067, height: 1600 },
      },
      { id: fixture.c, position: 2, alt: "Photo C", mediaContentType: "IMAGE" },
    ]);
    expect(state!.variants).toEqual([
      { id: fixture.variants[0], mediaIds: [fixture.b] },
      { id: fixture.variants[1], mediaIds: [fixture.b] },
      { id: fixture.variants[2], mediaIds: [fixture.a] },
    ]);
  });

  it("reads every page of a product's variants", async () => {
    const fixture = await productFixture();
    const record = productRecord(fixture.productId);
    for (let n = 0; n < 60; n += 1) {
      record.variants.push({
        id: harness.devStore.store.nextId(),
        title: `Size ${n}`,
        price: "1.00",
        sku: null,
        position: record.variants.length + 1,
        mediaIds: [],
      });
    }
    const state = await readProductMedia(admin, fixture.productId);
    expect(state!.variants).toHaveLength(63);
    expect(state!.variants.at(-1)).toEqual({
      id: `gid://shopify/ProductVariant/${record.variants.at(-1)!.id}`,
      mediaIds: [],
    });
  });

  it("answers null for a product that was deleted", async () => {
    const fixture = await productFixture();
    shopState().products = shopState().products.filter(
      (product) => product.id !== numericId(fixture.productId),
    );
    expect(await readProductMedia(admin, fixture.productId)).toBeNull();
  });
});

describe("stageUpload", () => {
  it("uploads to a POST form target and to a signed PUT URL, both usable as an originalSource", async () => {
    for (const httpMethod of ["POST", "PUT"] as const) {
      const filename = `staged-${httpMethod.toLowerCase()}-${Date.now()}.png`;
      const resourceUrl = await stageUpload(admin, {
        bytes: resultPng.bytes,
        mimeType: "image/png",
        filename,
        httpMethod,
      });
      const created = await createMediaFile(admin, {
        originalSource: resourceUrl,
        filename,
        alt: null,
      });
      expect(created.userErrors).toEqual([]);
      const processed = await waitForFileProcessed(admin, created.id!, FAST_WAIT);
      expect(processed?.status).toBe("READY");
      expect(await readMediaFile(admin, created.id!)).toMatchObject({
        status: "READY",
        filename,
        image: { width: 800, height: 600 },
      });
    }
  });

  it("reports an upload the bucket never received as retryable", async () => {
    const unreachable: typeof fetch = (_url, init) => fetch("http://127.0.0.1:9/", init);
    const error = await stageUpload(
      admin,
      { bytes: resultJpeg.bytes, mimeType: "image/jpeg", filename: "lost.jpg" },
      { fetch: unreachable },
    ).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StagedUploadError);
    expect(error).toMatchObject({ code: "upload_failed", retryable: true });
  });
});

describe("writeBackImage", () => {
  it("replaces an image of the same format in place: same media id, position and variant images", async () => {
    const fixture = await productFixture();
    const before = await readProductMedia(admin, fixture.productId);
    const request = writeRequest(fixture, { alt: "Studio shot on white" });
    admin.calls.length = 0;

    const result = await writeBackImage(admin, request, memoryJournal(), FAST);

    expect(result).toMatchObject({ method: "file-update", newMediaId: fixture.b });
    expect(result.progress.step).toBe("done");
    // One cheap read of where the original sits, the upload target, the update, and polls: no
    // copy in Files first, no read of the whole product, nothing moved.
    expect(new Set(admin.calls)).toEqual(
      new Set([
        "PhotoStudioMediaPlacement",
        "PhotoStudioStagedUploadsCreate",
        "PhotoStudioMediaFileUpdate",
        "PhotoStudioMediaFileStatuses",
      ]),
    );
    const after = await readProductMedia(admin, fixture.productId);
    expect(after!.media.map((media) => media.id)).toEqual([fixture.a, fixture.b, fixture.c]);
    expect(after!.media[1]).toMatchObject({
      alt: "Studio shot on white",
      status: "READY",
      image: { width: 800, height: 600 },
    });
    expect(after!.variants).toEqual(before!.variants);
    // The copy Shopify processed first is gone from Files.
    expect(await filesOf(request.writeBackId)).toEqual([]);
  });

  it("writes a PNG over a JPEG as a new media in the original's place, with its variant images, and keeps the original in Files", async () => {
    const fixture = await productFixture();
    const request = writeRequest(fixture, { image: resultPng });

    const result = await writeBackImage(admin, request, memoryJournal(), FAST);

    expect(result.method).toBe("add-and-relink");
    const fresh = result.newMediaId;
    expect(fresh).not.toBe(fixture.b);
    const after = await readProductMedia(admin, fixture.productId);
    expect(after!.media).toMatchObject([
      { id: fixture.a },
      // The original's alt text carries over when none is given.
      { id: fresh, alt: "Photo B", extension: "png", mimeType: "image/png", status: "READY" },
      { id: fixture.c },
    ]);
    expect(after!.variants).toEqual([
      { id: fixture.variants[0], mediaIds: [fresh] },
      { id: fixture.variants[1], mediaIds: [fresh] },
      { id: fixture.variants[2], mediaIds: [fixture.a] },
    ]);
    expect(await readMediaFile(admin, fixture.b)).toMatchObject({ id: fixture.b, status: "READY" });
    expect((await filesOf(request.writeBackId)).map((file) => file.id)).toEqual([fresh]);
  });

  it("adds an image right after the original, or at the position asked for", async () => {
    const fixture = await productFixture();
    const after = await writeBackImage(
      admin,
      writeRequest(fixture, { mode: "add", alt: "Lifestyle" }),
      memoryJournal(),
      FAST,
    );
    const first = await writeBackImage(
      admin,
      writeRequest(fixture, { mode: "add", image: resultPng, position: 0 }),
      memoryJournal(),
      FAST,
    );
    expect([after.method, first.method]).toEqual(["add", "add"]);
    const state = await readProductMedia(admin, fixture.productId);
    expect(state!.media.map((media) => media.id)).toEqual([
      first.newMediaId,
      fixture.a,
      fixture.b,
      after.newMediaId,
      fixture.c,
    ]);
    expect(state!.media[3]!.alt).toBe("Lifestyle");
    expect(state!.variants.map((variant) => variant.mediaIds)).toEqual([
      [fixture.b],
      [fixture.b],
      [fixture.a],
    ]);
  });

  it("undoes a write whose new image Shopify fails: an added image goes, a replaced original is made again in its place", async () => {
    // A JPEG cut in half: its header reads fine, Shopify's decoder fails it (IMAGE_PROCESSING_FAILURE).
    const truncated = {
      ...resultJpeg,
      bytes: resultJpeg.bytes.subarray(0, resultJpeg.bytes.length / 2),
    };
    for (const mode of ["replace", "add"] as const) {
      const fixture = await productFixture();
      const before = await readProductMedia(admin, fixture.productId);
      const request = writeRequest(fixture, { mode, image: truncated });
      const journal = memoryJournal<WriteBackProgress>();

      const error = await failure(writeBackImage(admin, request, journal, FAST));

      expect(error).toMatchObject({ code: "media_processing_failed", retryable: false });
      expect(error.message).toMatch(/could not be decoded/);
      expect(journal.progress!.step).toBe("rolled_back");
      // Replacing in place, the original took the bytes Shopify failed: it is made again from
      // our copy, under a new id, where it was and with its variant images.
      const again = (error.details.restoredMediaId as string | null) ?? fixture.b;
      expect(again !== fixture.b).toBe(mode === "replace");
      const swap = (id: string) => (id === fixture.b ? again : id);
      const expected = gallery(before);
      const after = await readProductMedia(admin, fixture.productId);
      expect(gallery(after)).toEqual({
        media: expected.media.map((media) => ({ ...media, id: swap(media.id) })),
        variants: expected.variants.map((variant) => ({
          ...variant,
          mediaIds: variant.mediaIds.map(swap),
        })),
      });
      expect(after!.media[1]!.image).toMatchObject({ width: 1067, height: 1600 });
      expect(await filesOf(request.writeBackId)).toEqual([]);
      // Called again with the rolled-back journal, it does nothing more.
      await failure(writeBackImage(admin, request, journal, FAST));
      expect(await filesOf(request.writeBackId)).toEqual([]);
      expect((await readProductMedia(admin, fixture.productId))!.media).toHaveLength(3);
    }
  });

  it("makes the original again, in place and with its variant images, when Shopify fails the bytes it replaced it with", async () => {
    const fixture = await productFixture();
    const before = await readProductMedia(admin, fixture.productId);
    // Bytes our checks take and Shopify fails in place: the client hands fileUpdate a broken
    // JPEG instead, once, so the dev store really fails it.
    const broken = await stageUpload(admin, {
      bytes: resultJpeg.bytes.subarray(0, resultJpeg.bytes.length / 2),
      mimeType: "image/jpeg",
      filename: "broken.jpg",
    });
    let swapped = false;
    const faulty: AdminClient = {
      shop: admin.shop,
      request(document, options = {}) {
        const files = options.variables?.files as Array<Record<string, unknown>> | undefined;
        if (
          !swapped &&
          operationName(document) === "PhotoStudioMediaFileUpdate" &&
          files?.some((file) => file.id === fixture.b && file.originalSource)
        ) {
          swapped = true;
          const swap = files.map((file) =>
            file.id === fixture.b ? { ...file, originalSource: broken } : file,
          );
          options = { ...options, variables: { files: swap } };
        }
        return admin.request(document, options);
      },
    };
    const request = writeRequest(fixture, { alt: "Never shown" });
    const journal = memoryJournal<WriteBackProgress>();

    const error = await failure(writeBackImage(faulty, request, journal, FAST));

    expect(swapped).toBe(true);
    expect(error).toMatchObject({ code: "media_processing_failed", retryable: false });
    const again = error.details.restoredMediaId as string;
    expect(again).toMatch(/^gid:\/\/shopify\/MediaImage\/\d+$/);
    expect(again).not.toBe(fixture.b);
    expect(journal.progress!.step).toBe("rolled_back");
    const swap = (id: string) => (id === fixture.b ? again : id);
    const expected = gallery(before);
    const after = await readProductMedia(admin, fixture.productId);
    expect(gallery(after)).toEqual({
      media: expected.media.map((media) => ({ ...media, id: swap(media.id) })),
      variants: expected.variants.map((variant) => ({
        ...variant,
        mediaIds: variant.mediaIds.map(swap),
      })),
    });
    expect(after!.media[1]!.image).toMatchObject({ width: 1067, height: 1600 });
    expect(await readMediaFile(admin, fixture.b)).toBeNull();
    expect(await filesOf(request.writeBackId)).toEqual([]);
  });

  it("finishes a same-format write journaled by the earlier version, which first made a copy in Files, and deletes the copy", async () => {
    const fixture = await productFixture();
    const request = writeRequest(fixture);
    const filename = `photo-studio-${request.writeBackId}.jpg`;
    const copy = await createMediaFile(admin, {
      originalSource: await stageUpload(admin, {
        bytes: resultJpeg.bytes,
        mimeType: "image/jpeg",
        filename,
      }),
      filename,
      alt: null,
    });
    const before = await readProductMedia(admin, fixture.productId);
    const journal = memoryJournal<WriteBackProgress>({
      version: 1,
      step: "created",
      method: "file-update",
      snapshot: {
        media: before!.media.map((media) => ({ id: media.id, alt: media.alt })),
        variants: before!.variants,
        original: {
          id: fixture.b,
          position: 1,
          alt: "Photo B",
          extension: "jpg",
          mimeType: "image/jpeg",
        },
      },
      position: 1,
      createdFileId: copy.id!,
    });

    const result = await writeBackImage(admin, request, journal, FAST);

    expect(result).toMatchObject({ method: "file-update", newMediaId: fixture.b });
    expect(result.progress.step).toBe("done");
    const after = await readProductMedia(admin, fixture.productId);
    expect(gallery(after)).toEqual(gallery(before));
    expect(after!.media[1]!.image).toMatchObject({ width: 800, height: 600 });
    expect(await readMediaFile(admin, copy.id!)).toBeNull();
  });

  it("refuses an image above Shopify's 20 megapixels before uploading anything", async () => {
    const fixture = await productFixture();
    const huge = {
      bytes: await sharp({ create: { width: 5000, height: 4100, channels: 3, background: "#fff" } })
        .png()
        .toBuffer(),
      mimeType: "image/png",
      extension: "png",
    };
    const staged = Object.keys(harness.devStore.store.state.stagedUploads).length;

    const error = await failure(
      writeBackImage(admin, writeRequest(fixture, { image: huge }), memoryJournal(), FAST),
    );

    expect(error).toMatchObject({ code: "image_too_many_pixels", retryable: false });
    expect(error.message).toContain("5000 x 4100");
    expect(Object.keys(harness.devStore.store.state.stagedUploads)).toHaveLength(staged);
  });

  it("refuses to add a media to a product that has Shopify's 250 already", async () => {
    const fixture = await productFixture();
    const record = productRecord(fixture.productId);
    const template = shopState().files.find((file) => file.id === numericId(fixture.c))!;
    while (record.mediaIds.length < 250) {
      const id = harness.devStore.store.nextId();
      shopState().files.push({
        ...template,
        id,
        productIds: [record.id],
        filename: `filler-${id}.jpg`,
      });
      record.mediaIds.push(id);
    }

    for (const overrides of [{ mode: "add" as const }, { image: resultPng }]) {
      const error = await failure(
        writeBackImage(admin, writeRequest(fixture, overrides), memoryJournal(), FAST),
      );
      expect(error).toMatchObject({ code: "media_limit_reached", retryable: false });
    }
    // Replacing in place adds nothing, so it still works.
    const inPlace = await writeBackImage(admin, writeRequest(fixture), memoryJournal(), FAST);
    expect(inPlace.method).toBe("file-update");
  });

  it("tells the merchant when the product or the original image was deleted meanwhile", async () => {
    const fixture = await productFixture();
    await admin.request(
      `#graphql
      mutation PhotoStudioTestDeleteFile($ids: [ID!]!) { fileDelete(fileIds: $ids) { userErrors { code } } }`,
      { variables: { ids: [fixture.b] } },
    );
    const mediaGone = await failure(
      writeBackImage(admin, writeRequest(fixture), memoryJournal(), FAST),
    );
    expect(mediaGone).toMatchObject({ code: "media_not_found", retryable: false });

    // Deleted between two attempts: the second finds no product and cleans up what it made.
    const other = await productFixture();
    const request = writeRequest(other, { image: resultPng });
    const crashed = crashingJournal<WriteBackProgress>(3);
    await expect(writeBackImage(admin, request, crashed, FAST)).rejects.toThrow(SimulatedCrash);
    shopState().products = shopState().products.filter(
      (product) => product.id !== numericId(other.productId),
    );
    const productGone = await failure(
      writeBackImage(admin, request, memoryJournal(crashed.progress), FAST),
    );
    expect(productGone).toMatchObject({ code: "product_not_found", retryable: false });
    expect(productGone.message).toMatch(/no longer exists/);
    expect(await filesOf(request.writeBackId)).toEqual([]);
  });
});

describe("batching across concurrent write-backs", () => {
  const sent = (name: string) => admin.calls.filter((call) => call === name).length;

  it("asks for concurrent uploads' targets in one request, and refuses only the input Shopify refused", async () => {
    const upload = (filename: string) =>
      stageUpload(admin, { bytes: resultJpeg.bytes, mimeType: "image/jpeg", filename });
    admin.calls.length = 0;

    const settled = await Promise.allSettled(
      ["one.jpg", "two.jpg", "bad/name.jpg", "three.jpg"].map(upload),
    );

    const refused = settled[2] as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(StagedUploadError);
    expect(refused.reason).toMatchObject({ code: "upload_refused", retryable: false });
    expect(refused.reason.message).toContain("bad/name.jpg");
    const urls = settled
      .filter((result) => result.status === "fulfilled")
      .map((result) => result.value);
    expect(urls).toHaveLength(3);
    expect(new Set(urls).size).toBe(3);
    // Shopify refuses a whole batch for one bad input: the others went again, together.
    expect(sent("PhotoStudioStagedUploadsCreate")).toBe(2);

    admin.calls.length = 0;
    await Promise.all(["four.jpg", "five.jpg", "six.jpg"].map(upload));
    expect(sent("PhotoStudioStagedUploadsCreate")).toBe(1);
  });

  it("sends concurrent updates as one fileUpdate and gives each caller its own userErrors", async () => {
    const fixture = await productFixture();
    const missing = "gid://shopify/MediaImage/999999999";
    admin.calls.length = 0;

    const results = await Promise.all(
      [fixture.a, missing, fixture.c].map((id) => updateMediaFile(admin, { id, alt: `Alt ${id}` })),
    );

    expect(results[0]!.userErrors).toEqual([]);
    expect(results[1]!.userErrors).toMatchObject([{ code: "FILE_DOES_NOT_EXIST" }]);
    expect(results[2]!.userErrors).toEqual([]);
    expect(sent("PhotoStudioMediaFileUpdate")).toBe(2);
    const state = await readProductMedia(admin, fixture.productId);
    expect(state!.media.map((media) => media.alt)).toEqual([
      `Alt ${fixture.a}`,
      "Photo B",
      `Alt ${fixture.c}`,
    ]);
  });

  it("reads concurrent files, and polls them, with one nodes query per shop", async () => {
    const fixture = await productFixture();
    const ids = [fixture.a, fixture.b, fixture.c];
    admin.calls.length = 0;

    const files = await Promise.all(ids.map((id) => readMediaFile(admin, id)));
    expect(files.map((file) => file?.id)).toEqual(ids);
    expect(sent("PhotoStudioMediaFiles")).toBe(1);
    const polled = await Promise.all(ids.map((id) => waitForFileProcessed(admin, id, FAST_WAIT)));
    expect(polled.map((file) => file?.status)).toEqual(["READY", "READY", "READY"]);
    expect(sent("PhotoStudioMediaFileStatuses")).toBe(1);

    // Another shop's read never joins: its client, its store.
    const otherShop = "batching-other.myshopify.com";
    await harness.addShop(otherShop);
    expect((await openAppAsMerchant(otherShop)).status).toBe(200);
    const other = testAdminClient(otherShop);
    admin.calls.length = 0;
    const [mine, theirs] = await Promise.all([
      readMediaFile(admin, fixture.a),
      readMediaFile(other, fixture.a),
    ]);
    expect(mine?.id).toBe(fixture.a);
    expect(theirs).toBeNull();
    expect([sent("PhotoStudioMediaFiles"), other.calls]).toEqual([1, ["PhotoStudioMediaFiles"]]);
  });
});

describe("restoreOriginal", () => {
  it.each([
    ["file-update", "replace", "jpeg"],
    ["add-and-relink", "replace", "png"],
    ["add", "add", "jpeg"],
  ] as const)(
    "puts the media order, alt texts and variant images back after a %s write",
    async (method, mode, format) => {
      const fixture = await productFixture();
      const before = await readProductMedia(admin, fixture.productId);
      const request = writeRequest(fixture, {
        mode,
        image: format === "png" ? resultPng : resultJpeg,
        alt: "New alt",
      });
      const written = await writeBackImage(admin, request, memoryJournal(), FAST);
      expect(written.method).toBe(method);
      expect(gallery(await readProductMedia(admin, fixture.productId))).not.toEqual(
        gallery(before),
      );

      const restored = await restoreOriginal(
        admin,
        { ...request, method, progress: written.progress },
        memoryJournal<RestoreProgress>(),
        FAST,
      );

      expect(restored.restoredMediaId).toBe(fixture.b);
      const after = await readProductMedia(admin, fixture.productId);
      expect(gallery(after)).toEqual(gallery(before));
      expect(after!.media[1]!.image).toMatchObject({ width: 1067, height: 1600 });
      expect(await filesOf(request.writeBackId)).toEqual([]);
    },
  );

  it("makes the original again from our copy when it was deleted from Files after the write", async () => {
    const fixture = await productFixture();
    const before = await readProductMedia(admin, fixture.productId);
    const request = writeRequest(fixture, { image: resultPng });
    const written = await writeBackImage(admin, request, memoryJournal(), FAST);
    await admin.request(
      `#graphql
      mutation PhotoStudioTestDeleteOriginal($ids: [ID!]!) { fileDelete(fileIds: $ids) { userErrors { code } } }`,
      { variables: { ids: [fixture.b] } },
    );

    const restored = await restoreOriginal(
      admin,
      { ...request, method: written.method, progress: written.progress },
      memoryJournal<RestoreProgress>(),
      FAST,
    );

    const again = restored.restoredMediaId;
    expect(again).not.toBe(fixture.b);
    const swap = (id: string) => (id === fixture.b ? again : id);
    const expected = gallery(before);
    expect(gallery(await readProductMedia(admin, fixture.productId))).toEqual({
      media: expected.media.map((media) => ({ ...media, id: swap(media.id) })),
      variants: expected.variants.map((variant) => ({
        ...variant,
        mediaIds: variant.mediaIds.map(swap),
      })),
    });
    expect(await readMediaFile(admin, again)).toMatchObject({
      image: { width: 1067, height: 1600 },
    });
  });
});

describe("crash safety", () => {
  /**
   * Runs `run` with a journal that fails its k-th save (the store changed, the progress did not),
   * then again from what was persisted, for k = 1, 2… until a run needs no resuming.
   */
  async function everyCrashPoint<P, R>(
    run: (journal: { progress: P | null; save(progress: P): Promise<void> }) => Promise<R>,
    check: (result: R, crashAt: number) => Promise<void>,
  ) {
    for (let crashAt = 1; ; crashAt += 1) {
      const crashing = crashingJournal<P>(crashAt);
      const first = await run(crashing).then(
        (result) => ({ result }),
        (error: unknown) => {
          expect(error).toBeInstanceOf(SimulatedCrash);
          return null;
        },
      );
      if (first) {
        await check(first.result, crashAt);
        return crashAt;
      }
      await check(await run(memoryJournal(crashing.progress)), crashAt);
    }
  }

  it.each([
    ["file-update", "replace", "jpeg"],
    ["add-and-relink", "replace", "png"],
    ["add", "add", "png"],
  ] as const)(
    "a %s write resumed after a crash at any step leaves exactly one new image",
    async (method, mode, format) => {
      let fixture = await productFixture();
      let request = writeRequest(fixture, {
        mode,
        image: format === "png" ? resultPng : resultJpeg,
      });
      const crashPoints = await everyCrashPoint<
        WriteBackProgress,
        Awaited<ReturnType<typeof writeBackImage>>
      >(
        (journal) => writeBackImage(admin, request, journal, FAST),
        async (result) => {
          expect(result.method).toBe(method);
          const state = await readProductMedia(admin, fixture.productId);
          const ids = state!.media.map((media) => media.id);
          const created = await filesOf(request.writeBackId);
          if (method === "file-update") {
            expect(ids).toEqual([fixture.a, fixture.b, fixture.c]);
            expect(state!.media[1]!.image).toMatchObject({ width: 800, height: 600 });
            expect(created).toEqual([]);
          } else {
            expect(created.map((file) => file.id)).toEqual([result.newMediaId]);
            expect(ids).toEqual(
              method === "add"
                ? [fixture.a, fixture.b, result.newMediaId, fixture.c]
                : [fixture.a, result.newMediaId, fixture.c],
            );
          }
          const shown = method === "add-and-relink" ? result.newMediaId : fixture.b;
          expect(state!.variants.map((variant) => variant.mediaIds)).toEqual([
            [shown],
            [shown],
            [fixture.a],
          ]);
          // The next crash point gets a product of its own.
          fixture = await productFixture();
          request = writeRequest(fixture, {
            mode,
            image: format === "png" ? resultPng : resultJpeg,
          });
        },
      );
      expect(crashPoints).toBeGreaterThanOrEqual(method === "add-and-relink" ? 6 : 4);
    },
  );

  it.each([
    ["file-update", "replace", "jpeg"],
    ["add-and-relink", "replace", "png"],
    ["add", "add", "png"],
  ] as const)(
    "restoring a %s write, resumed after a crash at any step, ends as the product began",
    async (method, mode, format) => {
      let fixture = await productFixture();
      let before = await readProductMedia(admin, fixture.productId);
      let request = writeRequest(fixture, {
        mode,
        image: format === "png" ? resultPng : resultJpeg,
      });
      let written = await writeBackImage(admin, request, memoryJournal(), FAST);

      await everyCrashPoint<RestoreProgress, Awaited<ReturnType<typeof restoreOriginal>>>(
        (journal) =>
          restoreOriginal(admin, { ...request, method, progress: written.progress }, journal, FAST),
        async (result) => {
          expect(result.restoredMediaId).toBe(fixture.b);
          expect(gallery(await readProductMedia(admin, fixture.productId))).toEqual(
            gallery(before),
          );
          expect(await filesOf(request.writeBackId)).toEqual([]);
          fixture = await productFixture();
          before = await readProductMedia(admin, fixture.productId);
          request = writeRequest(fixture, {
            mode,
            image: format === "png" ? resultPng : resultJpeg,
          });
          written = await writeBackImage(admin, request, memoryJournal(), FAST);
        },
      );
    },
  );

  it("restores a write that crashed before it could record the file it created", async () => {
    const fixture = await productFixture();
    const before = await readProductMedia(admin, fixture.productId);
    const request = writeRequest(fixture, { mode: "add" });
    // The second save records the created file: it never happens.
    const crashed = crashingJournal<WriteBackProgress>(2);
    await expect(writeBackImage(admin, request, crashed, FAST)).rejects.toThrow(SimulatedCrash);
    expect(crashed.progress!.createdFileId).toBeUndefined();
    expect(await filesOf(request.writeBackId)).toHaveLength(1);

    await restoreOriginal(
      admin,
      { ...request, method: "add", progress: crashed.progress },
      memoryJournal<RestoreProgress>(),
      FAST,
    );
    expect(gallery(await readProductMedia(admin, fixture.productId))).toEqual(gallery(before));
    expect(await filesOf(request.writeBackId)).toEqual([]);
  });
});
