import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { parseBackground, TRANSPARENT, WHITE } from "../../app/images/edits/background";
import { crop } from "../../app/images/edits/crop";
import { padToAspect } from "../../app/images/edits/pad";
import { resize } from "../../app/images/edits/resize";
import { SOFT_SHADOW } from "../../app/images/edits/shadow";
import { encode } from "../../app/images/encode";
import { identifyFormat } from "../../app/images/formats";
import { openImage } from "../../app/images/intake";
import { layoutFor } from "../../app/images/layout";
import { composeCutout } from "../../app/images/pipeline";
import { renderImage } from "../../app/images/render";
import { fixture, meanAbsDiff, pixelAt, pixels } from "./support";

/** A 200 × 200 cut-out: an opaque red square, a half-transparent red band, empty elsewhere. */
async function cutout() {
  const rgba = Buffer.alloc(200 * 200 * 4);
  for (let y = 0; y < 200; y++) {
    for (let x = 0; x < 200; x++) {
      const at = (y * 200 + x) * 4;
      if (x >= 60 && x < 140 && y >= 40 && y < 120) rgba.set([255, 0, 0, 255], at);
      else if (x >= 60 && x < 140 && y >= 120 && y < 130) rgba.set([255, 0, 0, 128], at);
    }
  }
  return sharp(rgba, { raw: { width: 200, height: 200, channels: 4 } })
    .png()
    .toBuffer();
}

describe("cut-outs over backgrounds", () => {
  it("blends a soft matte into white in proportion to its alpha", async () => {
    const result = await composeCutout(await cutout(), {
      background: WHITE,
      output: { format: "png" },
    });
    const image = await pixels(result.bytes, 4);
    expect(pixelAt(image, 100, 80)).toEqual([255, 0, 0, 255]);
    expect(pixelAt(image, 10, 10)).toEqual([255, 255, 255, 255]);
    const [r, g, b] = pixelAt(image, 100, 125);
    expect(r).toBe(255);
    expect(Math.abs(g! - 127)).toBeLessThanOrEqual(1);
    expect(Math.abs(b! - 127)).toBeLessThanOrEqual(1);
  });

  it("keeps the matte exactly on a transparent background", async () => {
    const result = await composeCutout(await cutout(), {
      background: TRANSPARENT,
      output: { format: "png" },
    });
    const image = await pixels(result.bytes, 4);
    expect(pixelAt(image, 100, 125)[3]).toBe(128);
    expect(pixelAt(image, 10, 10)[3]).toBe(0);
  });

  it("lays a cut-out over any colour", async () => {
    const result = await composeCutout(await cutout(), {
      background: parseBackground("#336699"),
      output: { format: "png" },
    });
    expect(pixelAt(await pixels(result.bytes), 10, 10)).toEqual([0x33, 0x66, 0x99]);
    expect(() => parseBackground("blue-ish")).toThrow(/not a background/);
  });

  it("casts a drop shadow below the product, from its alpha", async () => {
    const result = await composeCutout(await cutout(), {
      background: WHITE,
      shadow: SOFT_SHADOW,
      output: { format: "png" },
    });
    const image = await pixels(result.bytes);
    const below = pixelAt(image, 100, 133)[0]!;
    const above = pixelAt(image, 100, 37)[0]!;
    expect(below).toBeLessThan(245);
    expect(below).toBeLessThan(above);
    expect(pixelAt(image, 5, 195)).toEqual([255, 255, 255]);
    expect(pixelAt(image, 100, 80)).toEqual([255, 0, 0]);
  });

  it("refuses a transparent background in a JPEG", async () => {
    await expect(
      composeCutout(await cutout(), { background: TRANSPARENT, output: { format: "jpeg" } }),
    ).rejects.toMatchObject({ code: "invalid_edit" });
  });
});

describe("rendering layouts", () => {
  it.each([2, 3, 4, 5, 6, 7, 8])(
    "crops and resizes orientation %i in upright coordinates",
    async (orientation) => {
      const render = async (name: string) => {
        const source = await openImage(fixture(name));
        const layout = resize(
          crop(layoutFor(source.facts), { left: 100, top: 50, width: 300, height: 200 }),
          {
            width: 150,
          },
        );
        return pixels(
          (await renderImage(source, layout, { background: WHITE }, { format: "png" })).bytes,
        );
      };
      const upright = await render("Landscape_1.jpg");
      const result = await render(`Landscape_${orientation}.jpg`);
      expect([result.width, result.height]).toEqual([150, 100]);
      expect(meanAbsDiff(result, upright)).toBeLessThan(12);
    },
  );

  it("pads to an aspect ratio with the background colour", async () => {
    const source = await openImage(fixture("Landscape_1.jpg"));
    const layout = padToAspect(layoutFor(source.facts), 1);
    const result = await renderImage(
      source,
      layout,
      { background: parseBackground("#336699") },
      { format: "png" },
    );
    const image = await pixels(result.bytes);
    expect([image.width, image.height]).toEqual([600, 600]);
    expect(pixelAt(image, 300, 10)).toEqual([0x33, 0x66, 0x99]);
    expect(pixelAt(image, 300, 590)).toEqual([0x33, 0x66, 0x99]);
    expect(pixelAt(image, 300, 300)).not.toEqual([0x33, 0x66, 0x99]);
  });

  it("draws the PREVIEW watermark across the whole canvas", async () => {
    const white = await sharp({
      create: { width: 800, height: 600, channels: 3, background: "#ffffff" },
    })
      .png()
      .toBuffer();
    const source = await openImage(white);
    const result = await renderImage(
      source,
      layoutFor(source.facts),
      { background: WHITE, watermark: true },
      { format: "png" },
    );
    const image = await pixels(result.bytes);
    for (const [x0, y0] of [
      [0, 0],
      [400, 0],
      [0, 300],
      [400, 300],
    ] as const) {
      let marked = 0;
      for (let y = y0; y < y0 + 300; y++) {
        for (let x = x0; x < x0 + 400; x++) if (pixelAt(image, x, y)[0]! < 230) marked++;
      }
      expect(marked).toBeGreaterThan(500);
    }
  });
});

describe("encoding", () => {
  const noise = async (side = 600) => {
    const data = Buffer.alloc(side * side * 3);
    for (let index = 0; index < data.length; index++) data[index] = (index * 7919) % 251;
    return sharp(data, { raw: { width: side, height: side, channels: 3 } });
  };
  const size = { width: 600, height: 600 };

  it.each(["jpeg", "png", "webp", "avif"] as const)("writes %s", async (format) => {
    const image = await noise(200);
    const result = await encode(() => image.clone(), { width: 200, height: 200 }, { format });
    expect(identifyFormat(result.bytes)).toEqual({ kind: "photo", format });
    expect(result.mimeType).toBe(`image/${format}`);
  });

  it("lowers the quality just enough to meet a size target, and says so", async () => {
    const image = await noise();
    const full = await encode(() => image.clone(), size, { format: "jpeg", quality: 90 });
    const target = Math.round(full.bytes.length * 0.7);
    const result = await encode(() => image.clone(), size, {
      format: "jpeg",
      quality: 90,
      maxBytes: target,
    });
    expect(result.bytes.length).toBeLessThanOrEqual(target);
    expect(result.quality).toBeLessThan(90);
    expect(result.notes.map((item) => item.code)).toEqual(["quality_reduced"]);
    // One step higher does not fit, even with the smaller coding the search uses.
    const higher = result.quality! + 1;
    const oneHigher = await image
      .clone()
      .jpeg({
        quality: higher,
        chromaSubsampling: higher >= 90 ? "4:4:4" : "4:2:0",
        optimiseCoding: true,
      })
      .toBuffer();
    expect(oneHigher.length).toBeGreaterThan(target);
  });

  it("meets a size target with optimised coding before it lowers the quality", async () => {
    const image = await noise();
    const fast = await encode(() => image.clone(), size, { format: "jpeg", quality: 90 });
    const optimised = await image
      .clone()
      .jpeg({ quality: 90, chromaSubsampling: "4:4:4", optimiseCoding: true })
      .toBuffer();
    expect(optimised.length).toBeLessThan(fast.bytes.length);
    const target = Math.round((optimised.length + fast.bytes.length) / 2);
    const result = await encode(() => image.clone(), size, {
      format: "jpeg",
      quality: 90,
      maxBytes: target,
    });
    expect(result.quality).toBe(90);
    expect(result.notes).toEqual([]);
    expect(result.bytes.equals(optimised)).toBe(true);
    // The same pixels: only the entropy coding changed.
    const fastPixels = await sharp(fast.bytes).raw().toBuffer();
    const resultPixels = await sharp(result.bytes).raw().toBuffer();
    expect(fastPixels.equals(resultPixels)).toBe(true);
  });

  it("refuses a size target it cannot meet", async () => {
    const image = await noise();
    await expect(
      encode(() => image.clone(), size, { format: "jpeg", maxBytes: 1000 }, "Temu"),
    ).rejects.toMatchObject({ code: "output_too_large", message: expect.stringMatching(/Temu/) });
    await expect(
      encode(() => image.clone(), size, { format: "png", maxBytes: 1000 }),
    ).rejects.toMatchObject({ code: "output_too_large" });
  });
});
