import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { crop } from "../../app/images/edits/crop";
import { fillFrame } from "../../app/images/edits/fill";
import { padToAspect } from "../../app/images/edits/pad";
import { resize } from "../../app/images/edits/resize";
import { detectProduct, findContentBox, type Raster } from "../../app/images/edits/trim";
import { ImageError } from "../../app/images/errors";
import { identifyFormat } from "../../app/images/formats";
import { decodeSource, openImage } from "../../app/images/intake";
import { layoutFor, planRender, placedBox } from "../../app/images/layout";

import { fixture, productShot } from "./support";

function solid(width: number, height: number, rgb: number[], channels = 3): Raster {
  const data = new Uint8Array(width * height * channels);
  for (let index = 0; index < width * height; index++) {
    data.set(channels === 4 ? [...rgb, 255] : rgb, index * channels);
  }
  return { data, width, height, channels };
}

function paint(raster: Raster, x0: number, y0: number, x1: number, y1: number, value: number[]) {
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) raster.data.set(value, (y * raster.width + x) * raster.channels);
  }
}

describe("layout edits", () => {
  const photo = layoutFor({ width: 4000, height: 3000 });

  it("crops to a box within the photo and refuses one outside it", () => {
    const cropped = crop(photo, { left: 100, top: 200, width: 1000, height: 500 });
    expect(cropped.region).toEqual({ left: 100, top: 200, width: 1000, height: 500 });
    expect(cropped.canvas).toEqual({ width: 1000, height: 500 });
    expect(() => crop(photo, { left: 5000, top: 0, width: 10, height: 10 })).toThrow(ImageError);
    expect(() => crop(photo, { left: 0, top: 0, width: 0, height: 10 })).toThrow(/above zero/);
  });

  it("resizes to fit a box and never enlarges unless asked", () => {
    expect(resize(photo, { width: 2000 }).canvas).toEqual({ width: 2000, height: 1500 });
    expect(resize(photo, { width: 1000, height: 1000 }).canvas).toEqual({
      width: 1000,
      height: 750,
    });
    const small = layoutFor({ width: 400, height: 300 });
    expect(resize(small, { width: 2000 }).scale).toBe(1);
    expect(resize(small, { width: 2000, upscale: true }).canvas).toEqual({
      width: 2000,
      height: 1500,
    });
  });

  it("pads to an aspect ratio around the centred image", () => {
    const square = padToAspect(photo, 1);
    expect(square.canvas).toEqual({ width: 4000, height: 4000 });
    expect(square.offset).toEqual({ left: 0, top: 500 });
    expect(padToAspect(photo, 9 / 16).canvas).toEqual({ width: 4000, height: 7111 });
  });

  it("fits the product to a fill ratio of the canvas, centred", () => {
    const product = crop(photo, { left: 1000, top: 1000, width: 2000, height: 1000 });
    const framed = fillFrame(product, { width: 2000, height: 2000 }, 0.85);
    const plan = planRender(framed);
    expect(placedBox(plan)).toEqual({ left: 150, top: 575, width: 1700, height: 850 });
    expect(plan.extend.left + plan.extract.width + plan.extend.right).toBe(2000);
    expect(plan.extend.top + plan.extract.height + plan.extend.bottom).toBe(2000);
    expect(() => fillFrame(product, { width: 10, height: 10 }, 1.2)).toThrow(ImageError);
  });

  it("enlarges a small product to its fill only when asked", () => {
    const product = layoutFor({ width: 300, height: 200 });
    expect(fillFrame(product, { width: 2000, height: 2000 }, 0.85).scale).toBe(1);
    const framed = fillFrame(product, { width: 2000, height: 2000 }, 0.85, { upscale: true });
    expect(framed.scale).toBeCloseTo(1700 / 300);
  });

  it("always plans exactly the canvas, whatever the rounding", () => {
    for (const [width, height] of [
      [997, 1321],
      [3, 7],
      [4999, 17],
    ] as const) {
      const framed = fillFrame(layoutFor({ width, height }), { width: 1080, height: 1920 }, 0.8, {
        upscale: true,
      });
      const { extract, extend } = planRender(framed);
      expect(extend.left + extract.width + extend.right).toBe(1080);
      expect(extend.top + extract.height + extend.bottom).toBe(1920);
      expect(Math.min(...Object.values(extend))).toBeGreaterThanOrEqual(0);
    }
  });
});

describe("finding the product classically", () => {
  it("trims a plain background to the product", () => {
    const raster = solid(400, 300, [240, 240, 240]);
    paint(raster, 100, 50, 250, 200, [30, 60, 200]);
    const found = findContentBox(raster);
    expect(found).toEqual({
      method: "trimmed",
      box: { left: 99, top: 49, width: 152, height: 152 },
    });
  });

  it("ignores a speck of dust on the background", () => {
    const raster = solid(400, 300, [250, 250, 250]);
    paint(raster, 100, 100, 200, 200, [10, 10, 10]);
    paint(raster, 380, 10, 381, 11, [0, 0, 0]);
    expect(findContentBox(raster)).toMatchObject({ box: { left: 99, width: 102 } });
  });

  it("keeps a scene whole: its edges are not a plain colour", () => {
    const raster = solid(400, 300, [240, 240, 240]);
    paint(raster, 0, 150, 400, 300, [120, 80, 40]);
    expect(findContentBox(raster)).toEqual({
      method: "whole-photo",
      box: { left: 0, top: 0, width: 400, height: 300 },
    });
  });

  it("uses a cut-out's alpha, soft edges included", () => {
    const raster = solid(200, 200, [0, 0, 0], 4);
    for (let index = 3; index < raster.data.length; index += 4) raster.data[index] = 0;
    paint(raster, 50, 60, 150, 140, [200, 10, 10, 255]);
    paint(raster, 40, 60, 50, 140, [200, 10, 10, 40]);
    expect(findContentBox(raster)).toEqual({
      method: "alpha",
      box: { left: 39, top: 59, width: 112, height: 82 },
    });
  });

  it("reports an image with nothing visible as empty", () => {
    const raster = solid(50, 50, [0, 0, 0], 4);
    for (let index = 3; index < raster.data.length; index += 4) raster.data[index] = 0;
    expect(findContentBox(raster)).toEqual({ method: "empty" });
  });
});

describe("finding the product in a decoded cut-out", () => {
  it("finds the box it finds in the file, by alpha", async () => {
    // A soft-edged disc, faint towards its rim, as 8-bit and as 16-bit RGBA.
    const disc = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="700">` +
        `<defs><radialGradient id="g"><stop offset="0.6" stop-color="#c83" stop-opacity="1"/>` +
        `<stop offset="1" stop-color="#c83" stop-opacity="0"/></radialGradient></defs>` +
        `<circle cx="380" cy="330" r="250" fill="url(#g)"/></svg>`,
    );
    const files = [
      fixture("blackbug.png"),
      await sharp(disc).png().toBuffer(),
      await sharp(disc).toColourspace("rgb16").png().toBuffer(),
    ];
    for (const file of files) {
      const source = await openImage(file);
      const decoded = await decodeSource(source);
      expect(decoded.pixels?.channels).toBe(4);
      const found = await detectProduct(source);
      expect(found.method).toBe("alpha");
      expect(await detectProduct(decoded)).toEqual(found);
      // The same pixels at an odd byte offset are read a byte at a time, with the same answer.
      const { data } = decoded.pixels!;
      const unaligned = Buffer.from(new ArrayBuffer(data.length + 1), 1, data.length);
      data.copy(unaligned);
      expect(unaligned.byteOffset % 4).not.toBe(0);
      const pixels = { ...decoded.pixels!, data: unaligned };
      expect(await detectProduct({ ...decoded, pixels })).toEqual(found);
    }
  });

  it("still trims an opaque one by its colours, and refuses an empty one", async () => {
    const shot = await openImage(
      await sharp(await productShot(800, 600))
        .ensureAlpha()
        .png()
        .toBuffer(),
    );
    const decoded = await decodeSource(shot);
    expect(await detectProduct(decoded)).toEqual(await detectProduct(shot));
    expect((await detectProduct(decoded)).method).toBe("trimmed");
    const empty = await decodeSource(await openImage(fixture("full-transparent.png")));
    await expect(detectProduct(empty)).rejects.toMatchObject({ code: "empty_image" });
  });
});

describe("format identification", () => {
  it("knows photo formats by their magic numbers, not their names", () => {
    const riff = Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4), Buffer.from("WEBPVP8 ")]);
    const avif = Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from("ftypavif\0\0\0\0avif")]);
    expect(identifyFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toEqual({
      kind: "photo",
      format: "jpeg",
    });
    expect(identifyFormat(riff)).toEqual({ kind: "photo", format: "webp" });
    expect(identifyFormat(avif)).toEqual({ kind: "photo", format: "avif" });
    expect(identifyFormat(Buffer.from("GIF89a"))).toEqual({ kind: "photo", format: "gif" });
    expect(identifyFormat(Buffer.from([0x49, 0x49, 0x2a, 0x00]))).toEqual({
      kind: "photo",
      format: "tiff",
    });
  });

  it("finds an SVG behind a byte-order mark, an XML declaration and a comment", () => {
    const svg = Buffer.from(
      '\uFEFF<?xml version="1.0"?>\n<!-- logo -->\n<svg xmlns="http://www.w3.org/2000/svg"/>',
    );
    expect(identifyFormat(svg)).toEqual({ kind: "not-a-photo", what: "an SVG drawing" });
  });

  it("names formats it cannot read", () => {
    expect(identifyFormat(Buffer.from("8BPS\0\x01"))).toMatchObject({ what: "Photoshop (PSD)" });
    expect(identifyFormat(Buffer.from("BM6\0\0\0"))).toMatchObject({ what: "BMP" });
  });
});
