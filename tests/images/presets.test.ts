/**
 * Every preset, run on catalog photos with classical product detection (no AI model), meets its
 * destination's published rules, as measured on the output's bytes and pixels.
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { identifyFormat } from "../../app/images/formats";
import { processImage, type ProcessedImage } from "../../app/images/pipeline";
import { listPresets, PRESET_IDS, PRESETS, type Preset } from "../../app/images/presets";
import {
  borderValues,
  catalogPhoto,
  fixture,
  jpegWithGps,
  meanAbsDiff,
  nonWhiteBox,
  pixels,
} from "./support";

/** Products on white, on black, on a grey gradient, in scenes; square, landscape, portrait, small. */
const PHOTOS = [
  "imani-clovis-234736-unsplash.jpg",
  "zoltan-tasi-423051-unsplash.jpg",
  "alexander-andrews-260988-unsplash.jpg",
  "ben-hershey-574483-unsplash.jpg",
  "adam-birkett-239153-unsplash.jpg",
  "florian-klauer-14840-unsplash.jpg",
];

const results = new Map<string, Promise<ProcessedImage>>();
function run(preset: Preset, photo: string) {
  const key = `${preset.id}/${photo}`;
  if (!results.has(key)) results.set(key, processImage(catalogPhoto(photo), preset.id));
  return results.get(key)!;
}

describe("preset data", () => {
  it("has the seven presets, each citing where its numbers come from", () => {
    expect(listPresets().map((preset) => preset.id)).toEqual([
      "amazon",
      "etsy",
      "ebay",
      "temu",
      "shopify",
      "social-square",
      "social-story",
    ]);
    for (const preset of listPresets()) {
      expect(preset.sources.length).toBeGreaterThan(0);
      for (const source of preset.sources) expect(source).toMatch(/https:\/\/\S+/);
      expect(preset.accepts.formats).toContain(preset.output.format);
    }
  });

  it("states the destinations' limits", () => {
    expect(PRESETS.amazon.accepts).toMatchObject({ minLongestSide: 1000, maxLongestSide: 10_000 });
    expect(PRESETS.amazon.background).toEqual({ kind: "colour", r: 255, g: 255, b: 255 });
    expect(PRESETS.shopify.accepts).toMatchObject({
      maxWidth: 4472,
      maxHeight: 4472,
      maxPixels: 20_000_000,
    });
    expect(PRESETS.ebay.accepts).toMatchObject({ minLongestSide: 500, noBorders: true });
    expect(PRESETS.temu.accepts).toMatchObject({
      square: true,
      minLongestSide: 800,
      maxBytes: 2_000_000,
    });
    expect(PRESETS.etsy.accepts.maxBytes).toBe(10_000_000);
  });
});

describe.each(PRESET_IDS.map((id) => PRESETS[id]))("$id", (preset) => {
  it.each(PHOTOS)("turns %s into a file the destination accepts", async (photo) => {
    const result = await run(preset, photo);
    const facts = await sharp(result.bytes).metadata();
    expect(identifyFormat(result.bytes)).toEqual({ kind: "photo", format: preset.output.format });
    expect([facts.width, facts.height]).toEqual([result.width, result.height]);
    expect(facts.space).toBe("srgb");
    expect(facts.exif ?? facts.icc ?? facts.xmp).toBeUndefined();

    const { frame, accepts } = preset;
    if (frame.kind === "canvas") {
      expect([facts.width, facts.height]).toEqual([frame.width, frame.height]);
    } else {
      expect(Math.max(facts.width, facts.height)).toBe(frame.longestSide);
    }
    const longest = Math.max(facts.width, facts.height);
    if (accepts.minLongestSide) expect(longest).toBeGreaterThanOrEqual(accepts.minLongestSide);
    if (accepts.maxLongestSide) expect(longest).toBeLessThanOrEqual(accepts.maxLongestSide);
    if (accepts.maxWidth) expect(facts.width).toBeLessThanOrEqual(accepts.maxWidth);
    if (accepts.maxHeight) expect(facts.height).toBeLessThanOrEqual(accepts.maxHeight);
    if (accepts.maxPixels)
      expect(facts.width * facts.height).toBeLessThanOrEqual(accepts.maxPixels);
    if (accepts.maxBytes) expect(result.bytes.length).toBeLessThanOrEqual(accepts.maxBytes);
    if (accepts.square) expect(facts.width).toBe(facts.height);
  });

  if (preset.frame.kind === "canvas") {
    const { fill } = preset.frame;
    it.each(PHOTOS)("frames the product of %s on pure white at its fill ratio", async (photo) => {
      const result = await run(preset, photo);
      const image = await pixels(result.bytes);
      // The whole outer frame is exactly 255, 255, 255 (JPEG included).
      expect(new Set(borderValues(image, 2))).toEqual(new Set([255]));
      const box = nonWhiteBox(image)!;
      const measured = Math.max(box.width / image.width, box.height / image.height);
      expect(measured).toBeGreaterThanOrEqual(fill - 0.05);
      expect(measured).toBeLessThanOrEqual(fill + 0.05);
      // Centred: equal margins, give or take a pixel and a faint edge.
      expect(Math.abs(box.left - (image.width - box.left - box.width))).toBeLessThan(
        0.02 * image.width,
      );
      expect(Math.abs(box.top - (image.height - box.top - box.height))).toBeLessThan(
        0.02 * image.height,
      );
    });
  }
});

describe("Amazon main image", () => {
  it.each(PHOTOS)(
    "%s: pure white around a product that fills 80-90% of the frame",
    async (photo) => {
      const image = await pixels((await run(PRESETS.amazon, photo)).bytes);
      const box = nonWhiteBox(image)!;
      const fill = Math.max(box.width, box.height) / 2000;
      expect(fill).toBeGreaterThanOrEqual(0.8);
      expect(fill).toBeLessThanOrEqual(0.9);
      expect(new Set(borderValues(image, 40))).toEqual(new Set([255]));
    },
  );

  it("trims a plain background to find the product", async () => {
    const result = await run(PRESETS.amazon, "imani-clovis-234736-unsplash.jpg");
    expect(result.product.found).toBe("trimmed");
  });

  it("keeps a photo whose edges are not plain whole, and says the background was kept", async () => {
    const result = await run(PRESETS.amazon, "alexander-andrews-260988-unsplash.jpg");
    expect(result.product.found).toBe("whole-photo");
    expect(result.notes.map((item) => item.code)).toContain("background_kept");
  });
});

describe("eBay", () => {
  it("keeps the whole photo, unpadded, upright", async () => {
    const photo = "ben-hershey-574483-unsplash.jpg";
    const result = await run(PRESETS.ebay, photo);
    expect([result.width, result.height]).toEqual([1600, 1070]);
    const original = await pixels(sharp(catalogPhoto(photo)).resize(400, 268, { fit: "fill" }));
    const output = await pixels(sharp(result.bytes).resize(400, 268, { fit: "fill" }));
    expect(meanAbsDiff(output, original)).toBeLessThan(4);
  });

  it("turns a rotated photo upright", async () => {
    const upright = await processImage(fixture("Landscape_1.jpg"), "ebay");
    const rotated = await processImage(fixture("Landscape_6.jpg"), "ebay");
    expect([rotated.width, rotated.height]).toEqual([1600, 1200]);
    expect(meanAbsDiff(await pixels(rotated.bytes), await pixels(upright.bytes))).toBeLessThan(12);
  });
});

describe("enlargement", () => {
  it("enlarges a product too small for the frame on purpose, and flags more than 2x", async () => {
    const small = await sharp(catalogPhoto("imani-clovis-234736-unsplash.jpg"))
      .resize(400, 400)
      .jpeg()
      .toBuffer();
    const result = await processImage(small, "amazon");
    expect([result.width, result.height]).toEqual([2000, 2000]);
    expect(result.enlargement.method).toBe("classical");
    expect(result.enlargement.factor).toBeGreaterThan(2);
    expect(result.notes.map((item) => item.code)).toContain("upscaled_over_2x");
    const box = nonWhiteBox(await pixels(result.bytes))!;
    expect(Math.max(box.width, box.height) / 2000).toBeGreaterThanOrEqual(0.8);
  });

  it("does not flag a reduction", async () => {
    const result = await run(PRESETS["social-square"], "alexander-andrews-260988-unsplash.jpg");
    expect(result.enlargement).toMatchObject({ method: "none" });
    expect(result.notes.map((item) => item.code)).not.toContain("upscaled");
  });
});

describe("what every preset strips", () => {
  it("drops the GPS position and says so", async () => {
    const result = await processImage(await jpegWithGps(), "amazon");
    expect((await sharp(result.bytes).metadata()).exif).toBeUndefined();
    expect(result.notes.map((item) => item.code)).toContain("location_removed");
  });

  it("refuses an image with nothing visible in it", async () => {
    await expect(processImage(fixture("full-transparent.png"), "amazon")).rejects.toMatchObject({
      code: "empty_image",
    });
  });

  it("refuses an unknown preset by name", async () => {
    await expect(
      processImage(fixture("Landscape_1.jpg"), "walmart" as never),
    ).rejects.toMatchObject({
      code: "unknown_preset",
    });
  });
});
