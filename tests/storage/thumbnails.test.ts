import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import sharp from "sharp";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { variantKey } from "~/storage/keys";
import { createLocalDiskStorage } from "~/storage/local-disk.server";
import type { ObjectStorage } from "~/storage/object-storage.server";
import { prepareThumbnail, readRendition, renditionKey } from "~/storage/thumbnails.server";

let dir: string;
let storage: ObjectStorage;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-thumbs-"));
  storage = createLocalDiskStorage(dir);
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("thumbnails made when a job stores an image", () => {
  it("stores the grid's WebP thumbnail beside the image, and pages read it as is", async () => {
    const key = variantKey("shop.myshopify.com", "job1", "item1", "result", "png");
    const bytes = await sharp({
      create: { width: 2000, height: 1500, channels: 3, background: "#3366cc" },
    })
      .png()
      .toBuffer();
    await storage.put(key, bytes, { contentType: "image/png" });

    await prepareThumbnail(storage, key, bytes);

    const stored = await storage.get(renditionKey(key, "thumb"));
    const meta = await sharp(stored).metadata();
    expect(meta).toMatchObject({ format: "webp", width: 320, height: 240 });
    const read = await readRendition(storage, key, "thumb");
    expect(read.bytes.equals(stored)).toBe(true);
  });

  it("leaves a broken image to the page (which reports it) instead of failing the job", async () => {
    const key = variantKey("shop.myshopify.com", "job1", "item2", "result", "png");
    const broken = Buffer.from("not an image");
    await storage.put(key, broken, { contentType: "image/png" });

    await expect(prepareThumbnail(storage, key, broken)).resolves.toBeUndefined();
    expect(await storage.exists(renditionKey(key, "thumb"))).toBe(false);
  });
});
