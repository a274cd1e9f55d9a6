import fs from "node:fs";
import path from "node:path";

import { TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  writeBackImage,
  type WriteBackProgress,
  type WriteBackRequest,
} from "~/shopify/media-write-back.server";
import { findMediaFilesNamed, readMediaFile } from "~/shopify/product-media.server";
import { MAX_FILE_NAME, seoDescriptor, seoFileStem, slug } from "~/shopify/seo-file-name";
import { stageUpload } from "~/shopify/staged-upload.server";

import { CATALOG_DIR } from "../../emulators/shopify/src/seed";
import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";
import {
  crashingJournal,
  memoryJournal,
  SimulatedCrash,
  testAdminClient,
} from "../shopify/support";

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

describe("SEO file names", () => {
  it("names the product, what changed, and a number: lowercase ASCII words and dashes", () => {
    const stem = seoFileStem({
      handle: "blue-ceramic-mug",
      descriptor: seoDescriptor({ preset: "amazon", background: { kind: "preset" } }),
      writeId: "cm4x9writeback01",
    });
    expect(stem).toMatch(/^blue-ceramic-mug-white-background-\d{8}$/);
    expect(stem).toMatch(NAME);
  });

  it("describes scenes, colours, upscales and eBay's untouched photos", () => {
    expect(
      seoDescriptor({ preset: "etsy", background: { kind: "scene", templateId: "marble" } }),
    ).toBe("scene-marble");
    expect(
      seoDescriptor({ preset: "shopify", background: { kind: "scene", prompt: "a beach" } }),
    ).toBe("scene");
    expect(
      seoDescriptor({ preset: "shopify", background: { kind: "color", color: "#eeeeee" } }),
    ).toBe("colour-background");
    expect(seoDescriptor({ preset: "shopify", background: { kind: "preset" }, upscale: 2 })).toBe(
      "white-background-2x",
    );
    expect(seoDescriptor({ preset: "ebay", background: { kind: "preset" } })).toBe("ebay");
  });

  it("turns any title into ASCII words, and falls back to the title when there is no handle", () => {
    expect(slug("Crème Brûlée Tin — 250 g!")).toBe("creme-brulee-tin-250-g");
    expect(slug("Straße & Ærø")).toBe("strasse-aero");
    expect(
      seoFileStem({ title: "Café Au Lait Mug", descriptor: "scene-warm-wood", writeId: "w1" }),
    ).toMatch(/^cafe-au-lait-mug-scene-warm-wood-\d{8}$/);
    expect(
      seoFileStem({ title: "日本の茶碗", descriptor: "white-background", writeId: "w1" }),
    ).toMatch(/^product-white-background-\d{8}$/);
  });

  it("stays within 80 characters with the extension, shortening the handle at a word", () => {
    const stem = seoFileStem({
      handle:
        "the-extraordinarily-long-handcrafted-organic-cotton-summer-dress-with-pockets-and-belt",
      descriptor: "scene-jewellery-ivory-marble-4x",
      writeId: "cm4x9writeback01",
    });
    expect(`${stem}.jpeg`.length).toBeLessThanOrEqual(MAX_FILE_NAME);
    expect(stem).toMatch(NAME);
    expect(stem).toMatch(/-scene-jewellery-ivory-marble-4x-\d{8}$/);
    expect(stem.startsWith("the-extraordinarily-long")).toBe(true);
  });

  it("gives a write the same number every time, and two writes different numbers", () => {
    const stem = (writeId: string) =>
      seoFileStem({ handle: "mug", descriptor: "white-background", writeId });
    expect(stem("cm4aaa")).toBe(stem("cm4aaa"));
    const numbers = new Set(Array.from({ length: 2000 }, (_, i) => stem(`cm4${i.toString(36)}x`)));
    expect(numbers.size).toBe(2000);
  });
});

describe("a result uploaded under its SEO name", () => {
  let harness: Awaited<ReturnType<typeof startTestDevStore>>;
  let admin: ReturnType<typeof testAdminClient>;
  let productId: string;
  let originalId: string;
  const FAST = { pollMs: 10, processingTimeoutMs: 5_000, reorderTimeoutMs: 5_000 };

  beforeAll(async () => {
    harness = await startTestDevStore({ processingDelayMs: 30, products: 1 });
    await harness.addShop(TEST_SHOP, "Plus");
    expect((await openAppAsMerchant()).status).toBe(200);
    admin = testAdminClient(TEST_SHOP);
    const name = "abel-y-costa-716024-unsplash.jpg";
    const source = await stageUpload(admin, {
      bytes: fs.readFileSync(path.join(CATALOG_DIR, name)),
      mimeType: "image/jpeg",
      filename: name,
    });
    const created = await admin.request(
      `#graphql
      mutation PhotoStudioTestSeoProduct($product: ProductCreateInput!, $media: [CreateMediaInput!]) {
        productCreate(product: $product, media: $media) {
          product { id media(first: 1) { nodes { id } } }
          userErrors { field message }
        }
      }`,
      {
        variables: {
          product: { title: "Blue Ceramic Mug" },
          media: [{ originalSource: source, mediaContentType: "IMAGE", alt: "Mug" }],
        },
      },
    );
    productId = created.productCreate.product.id;
    originalId = created.productCreate.product.media.nodes[0].id;
    for (let i = 0; i < 200 && (await readMediaFile(admin, originalId))?.status !== "READY"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });

  afterAll(async () => {
    await harness?.close();
  });

  it("creates the file under that name, and a retry after a crash finds it instead of uploading again", async () => {
    const fileStem = seoFileStem({
      handle: "blue-ceramic-mug",
      descriptor: "scene-marble",
      writeId: "seo-write-1",
    });
    const request: WriteBackRequest = {
      writeBackId: "seo-write-1",
      productId,
      originalMediaId: originalId,
      mode: "add",
      image: {
        bytes: await sharp({
          create: { width: 800, height: 800, channels: 3, background: "#dddddd" },
        })
          .jpeg()
          .toBuffer(),
        mimeType: "image/jpeg",
        extension: "jpg",
      },
      alt: "Blue Ceramic Mug on a marble counter",
      fileStem,
      original: async () => {
        throw new Error("not needed");
      },
    };
    // The process dies right after the file was created, before it could record which one.
    const crashed = crashingJournal<WriteBackProgress>(2);
    await expect(writeBackImage(admin, request, crashed, FAST)).rejects.toThrow(SimulatedCrash);
    expect(crashed.progress?.fileStem).toBe(fileStem);

    // The retry is planned no more: its journal names the file, whatever the request says now.
    const result = await writeBackImage(
      admin,
      { ...request, fileStem: undefined },
      memoryJournal(crashed.progress),
      FAST,
    );
    const files = await findMediaFilesNamed(admin, fileStem);
    expect(files.map((file) => file.id)).toEqual([result.newMediaId]);
    const file = await readMediaFile(admin, result.newMediaId);
    expect(file?.filename).toBe(`${fileStem}.jpg`);
    expect(file?.alt).toBe("Blue Ceramic Mug on a marble counter");
  });
});
