import fs from "node:fs";
import path from "node:path";

import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { inspectImage } from "../../emulators/shopify/src/media/image-check";
import { searchFiles } from "../../emulators/shopify/src/media/file-search";
import { CATALOG_DIR } from "../../emulators/shopify/src/seed";
import { DevStore } from "../../emulators/shopify/src/server";
import type { FileRecord } from "../../emulators/shopify/src/state";

const solidJpeg = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: "#808080" } })
    .jpeg()
    .toBuffer();

describe("the dev store's image processing, as Shopify accepts images", () => {
  it("reads a JPEG's dimensions and MIME type", async () => {
    const jpeg = fs.readFileSync(path.join(CATALOG_DIR, "abel-y-costa-716024-unsplash.jpg"));
    expect(await inspectImage(jpeg)).toEqual({ width: 1600, height: 1067, mimeType: "image/jpeg" });
  });

  it("reports the dimensions an EXIF-rotated photo is displayed with", async () => {
    const rotated = await sharp(await solidJpeg(40, 20))
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect(await inspectImage(rotated)).toMatchObject({ width: 20, height: 40 });
  });

  it("limits the area to 20 megapixels, so a wide 18-megapixel panorama is accepted", async () => {
    expect(await inspectImage(await solidJpeg(6000, 3000))).toMatchObject({ width: 6000 });
    expect(await inspectImage(await solidJpeg(4473, 4473))).toMatchObject({
      code: "INVALID_IMAGE_RESOLUTION",
    });
  });

  it("refuses what is not a raster image Shopify takes, and what cannot be decoded", async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    expect(await inspectImage(svg)).toMatchObject({ code: "UNSUPPORTED_IMAGE_FILE_TYPE" });
    expect(await inspectImage(Buffer.from("%PDF-1.7\n%âãÏÓ\n"))).toMatchObject({
      code: "UNSUPPORTED_IMAGE_FILE_TYPE",
    });
    const jpeg = await solidJpeg(400, 300);
    expect(await inspectImage(jpeg.subarray(0, jpeg.length / 2))).toMatchObject({
      code: "IMAGE_PROCESSING_FAILURE",
    });
    expect(await inspectImage(Buffer.alloc(20 * 1024 * 1024 + 1))).toMatchObject({
      code: "INVALID_IMAGE_FILE_SIZE",
    });
  });
});

describe("the files query's search on the dev store", () => {
  const devStore = new DevStore({ apps: [], dataDir: null });
  const shop = devStore.createShop({ domain: "media-search.myshopify.com" });
  const context = devStore.context(shop, "client", ["read_files"]);
  const file = (id: number, filename: string, byteSize: number, kind: FileRecord["kind"]) =>
    ({
      id,
      kind,
      filename,
      alt: "",
      mimeType: kind === "MediaImage" ? "image/jpeg" : "text/csv",
      blobKey: null,
      byteSize,
      width: null,
      height: null,
      status: "READY",
      readyAt: null,
      errors: [],
      productIds: id === 3 ? [77] : [],
      version: 1,
      createdAt: `2026-01-0${id}T00:00:00.000Z`,
      updatedAt: `2026-01-0${id}T00:00:00.000Z`,
    }) satisfies FileRecord;
  shop.files.push(
    file(1, "small.jpg", 100 * 1024, "MediaImage"),
    file(2, "large.jpg", 3 * 1024 * 1024, "MediaImage"),
    file(3, "sheet.csv", 2 * 1024, "GenericFile"),
  );
  const ids = (query: string, sortKey?: string) =>
    searchFiles(context, query, sortKey).map((found) => found.id);

  it("filters by ids (gids or numbers), negated ids, type and product", () => {
    expect(ids("ids:gid://shopify/MediaImage/1,3")).toEqual([1, 3]);
    expect(ids("-ids:1,2")).toEqual([3]);
    expect(ids("media_type:GENERIC_FILE")).toEqual([3]);
    expect(ids("product_id:77")).toEqual([3]);
    expect(ids("created_at:>2026-01-01")).toEqual([2, 3]);
  });

  it("reads original_upload_size in binary units and sorts by it", () => {
    expect(ids("original_upload_size:>=1MB")).toEqual([2]);
    expect(ids("original_upload_size:<=100KB")).toEqual([1, 3]);
    expect(ids("", "ORIGINAL_UPLOAD_SIZE")).toEqual([3, 1, 2]);
  });

  it("refuses the used_in filter rather than ignore it", () => {
    expect(() => ids("used_in:product")).toThrow(/used_in/);
  });
});
