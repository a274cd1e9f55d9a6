/**
 * The cut-out code computes what the straightforward blur-fusion computes (support/
 * matte-reference.ts), only faster: same alpha, colours within one level where floating-point
 * sums are taken in another order.
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";

import {
  cutoutFromAlpha,
  cutoutFromMatte,
  estimateForeground,
  refineMatte,
  removeSpecks,
} from "../../app/ai/matte";
import { decodePhoto, encodePng } from "../../app/ai/raster.server";
import { catalogPhoto } from "./support/images";
import {
  referenceCutout,
  referenceForeground,
  referenceRemoveSpecks,
} from "./support/matte-reference";

/** Alpha as the emulator's background remover makes it: a ramp on distance to the border colour. */
function rampMatte(rgb: Uint8Array, width: number, height: number) {
  const border = [0, 1, 2].map((c) => {
    const values: number[] = [];
    for (let x = 0; x < width; x++)
      values.push(rgb[x * 3 + c]!, rgb[((height - 1) * width + x) * 3 + c]!);
    return values.sort((a, b) => a - b)[values.length >> 1]!;
  });
  const alpha = new Uint8Array(width * height);
  for (let i = 0; i < alpha.length; i++) {
    const d = Math.hypot(...[0, 1, 2].map((c) => rgb[i * 3 + c]! - border[c]!));
    alpha[i] = Math.round(255 * Math.min(1, Math.max(0, (d - 25) / 35)));
  }
  return alpha;
}

/** A product with a soft edge on a noisy backdrop, specks of dust, and a thin diagonal wire. */
function syntheticScene(width: number, height: number) {
  const rgb = new Uint8Array(width * height * 3);
  const alpha = new Uint8Array(width * height);
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 12;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const edge = Math.hypot(x - width / 2, y - height / 2) - height / 3;
      const a = Math.min(1, Math.max(0, 0.5 - edge / 6));
      const wire = Math.abs(x - y * 1.3 - 20) < 1.5 && x < width / 4 ? 1 : 0;
      const value = Math.max(a, wire);
      alpha[i] = Math.round(value * 255);
      const backdrop = [40 + noise(), 160 + noise(), 60 + noise()];
      const product = [200, 60 + (x % 50), 30];
      for (let c = 0; c < 3; c++) {
        rgb[i * 3 + c] = Math.round(value * product[c]! + (1 - value) * backdrop[c]!);
      }
    }
  }
  for (const [x, y] of [
    [10, 10],
    [width - 12, 15],
    [30, height - 9],
  ] as const) {
    for (let dy = 0; dy < 2; dy++)
      for (let dx = 0; dx < 3; dx++) alpha[(y + dy) * width + x + dx] = 200;
  }
  return { rgb, alpha };
}

function compare(actual: Uint8Array, expected: Uint8Array) {
  let alphaDiffers = 0;
  let coloursDiffer = 0;
  let largest = 0;
  for (let i = 0; i < actual.length; i++) {
    const difference = Math.abs(actual[i]! - expected[i]!);
    if (difference === 0) continue;
    if (i % 4 === 3) alphaDiffers++;
    else coloursDiffer++;
    largest = Math.max(largest, difference);
  }
  return { alphaDiffers, coloursShare: coloursDiffer / ((actual.length / 4) * 3), largest };
}

const toFloat = (alpha: Uint8Array) => Float32Array.from(alpha, (value) => value / 255);

describe("cut-outs from a model's matte", () => {
  it("match the straightforward blur-fusion on a synthetic scene", () => {
    const width = 420;
    const height = 300;
    const { rgb, alpha } = syntheticScene(width, height);
    const fast = cutoutFromAlpha(rgb, alpha, width, height);
    const result = compare(fast, referenceCutout(rgb, toFloat(alpha), width, height));
    expect(result.alphaDiffers).toBe(0);
    expect(result.largest).toBeLessThanOrEqual(1);
    expect(result.coloursShare).toBeLessThan(0.001);
    // And the 8-bit entry point is the float one.
    expect(
      Buffer.from(cutoutFromMatte(rgb, toFloat(alpha), width, height, { refine: false })),
    ).toEqual(Buffer.from(fast));
  });

  it("match it on a catalog photo with a ramp matte (partial pixels everywhere)", async () => {
    const photo = await decodePhoto(
      await sharp(catalogPhoto("charles-deluvio-695736-unsplash.jpg").bytes)
        .resize(900, 900, { fit: "inside" })
        .jpeg()
        .toBuffer(),
    );
    const { data: rgb, width, height } = photo;
    const alpha = rampMatte(rgb, width, height);
    const result = compare(
      cutoutFromAlpha(rgb, alpha, width, height),
      referenceCutout(rgb, toFloat(alpha), width, height),
    );
    expect(result.alphaDiffers).toBe(0);
    expect(result.largest).toBeLessThanOrEqual(1);
    expect(result.coloursShare).toBeLessThan(0.001);
  });

  it("work around a small product only, and match the whole photo's blur-fusion there", () => {
    // A product a tenth of the frame's width, off centre, with a speck beside it: the cut-out
    // is computed on the box around it grown by blur-fusion's reach.
    const width = 900;
    const height = 640;
    const rgb = new Uint8Array(width * height * 3);
    const alpha = new Uint8Array(width * height);
    let seed = 3;
    const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 16;
    const [cx, cy, radius] = [260, 380, 45];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const a = Math.min(1, Math.max(0, 0.5 - (Math.hypot(x - cx, y - cy) - radius) / 4));
        alpha[i] = Math.round(a * 255);
        const backdrop = [90 + noise() + x / 20, 120 + noise(), 200 + noise() - y / 10];
        const product = [220, 40 + (y % 40), 50];
        for (let c = 0; c < 3; c++) {
          rgb[i * 3 + c] = Math.round(a * product[c]! + (1 - a) * backdrop[c]!);
        }
      }
    }
    for (let y = 300; y < 302; y++) for (let x = 330; x < 333; x++) alpha[y * width + x] = 180;

    const fast = cutoutFromAlpha(rgb, alpha, width, height);
    const reference = referenceCutout(rgb, toFloat(alpha), width, height);
    const seen = { alphaDiffers: 0, partial: 0, largest: 0, differing: 0, beside: 0, far: 0 };
    for (let i = 0; i < width * height; i++) {
      const a = reference[i * 4 + 3]!;
      if (fast[i * 4 + 3] !== a) seen.alphaDiffers++;
      if (a > 0 && a < 255) seen.partial++;
      const distance = Math.hypot((i % width) - cx, Math.floor(i / width) - cy) - radius;
      for (let c = 0; c < 3; c++) {
        const difference = Math.abs(fast[i * 4 + c]! - reference[i * 4 + c]!);
        if (a > 0) {
          seen.largest = Math.max(seen.largest, difference);
          if (difference > 0) seen.differing++;
        } else if (distance < 40) {
          // Transparent pixels beside the product: their colours bleed into its edge.
          seen.beside = Math.max(seen.beside, difference);
        } else if (difference > 0) {
          // Farther out they are invisible, and may differ where their wide window reaches
          // past the box.
          seen.far++;
        }
      }
    }
    expect(seen.alphaDiffers).toBe(0);
    expect(seen.partial).toBeGreaterThan(500);
    expect(seen.largest).toBeLessThanOrEqual(1);
    expect(seen.differing / (seen.partial * 3)).toBeLessThan(0.001);
    expect(seen.beside).toBeLessThanOrEqual(1);
    expect(seen.far).toBeLessThan(width * height * 0.05);
    // Far from the product (a corner), the photo's own colours, fully transparent.
    for (const i of [0, width - 1, (height - 1) * width + width - 1]) {
      expect([...fast.subarray(i * 4, i * 4 + 4)]).toEqual([...rgb.subarray(i * 3, i * 3 + 3), 0]);
    }
  });

  it("keep the photo's own pixels wherever the matte is opaque", () => {
    const { rgb, alpha } = syntheticScene(200, 160);
    const rgba = cutoutFromAlpha(rgb, alpha, 200, 160);
    let opaque = 0;
    for (let i = 0; i < alpha.length; i++) {
      if (rgba[i * 4 + 3] !== 255) continue;
      opaque++;
      expect([rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2]]).toEqual([
        rgb[i * 3],
        rgb[i * 3 + 1],
        rgb[i * 3 + 2],
      ]);
    }
    expect(opaque).toBeGreaterThan(5000);
  });
});

describe("the local provider's refined cut-outs", () => {
  it("decontaminate edges as before", () => {
    const width = 360;
    const height = 240;
    const { rgb, alpha } = syntheticScene(width, height);
    // A coarse matte, as a network's: blurred and offset by a pixel.
    const coarse = new Float32Array(width * height);
    for (let i = 0; i < coarse.length; i++) coarse[i] = alpha[Math.max(0, i - width - 1)]! / 255;
    const refined = refineMatte(rgb, coarse, width, height);
    const expectedAlpha = refined.slice();
    referenceRemoveSpecks(expectedAlpha, width, height);
    const colours = referenceForeground(rgb, expectedAlpha, width, height);
    const rgba = cutoutFromMatte(rgb, coarse, width, height, { refine: true });
    let largest = 0;
    for (let i = 0; i < width * height; i++) {
      expect(rgba[i * 4 + 3]).toBe(Math.round(expectedAlpha[i]! * 255));
      for (let c = 0; c < 3; c++) {
        largest = Math.max(largest, Math.abs(rgba[i * 4 + c]! - colours[i * 3 + c]!));
      }
    }
    expect(largest).toBeLessThanOrEqual(1);
  });

  it("estimate the same foreground colours as the straightforward blur-fusion", () => {
    const { rgb, alpha } = syntheticScene(300, 200);
    const matte = toFloat(alpha);
    const fast = estimateForeground(rgb, matte, 300, 200);
    const reference = referenceForeground(rgb, matte, 300, 200);
    let differing = 0;
    for (let i = 0; i < fast.length; i++) {
      expect(Math.abs(fast[i]! - reference[i]!)).toBeLessThanOrEqual(1);
      if (fast[i] !== reference[i]) differing++;
    }
    expect(differing / fast.length).toBeLessThan(0.001);
  });
});

describe("speck removal", () => {
  it("drops islands far smaller than the product, joining pixels that touch at a corner", () => {
    const width = 200;
    const height = 120;
    const alpha = new Float32Array(width * height);
    const set = (x: number, y: number, value = 1) => (alpha[y * width + x] = value);
    for (let y = 20; y < 100; y++) for (let x = 20; x < 120; x++) set(x, y); // 8,000 px product
    for (let k = 1; k <= 20; k++) set(119 + k, 99 + k); // a wire off its corner, diagonally
    for (let y = 5; y < 8; y++) for (let x = 150; x < 153; x++) set(x, y, 0.4); // 9 px speck
    for (let y = 30; y < 36; y++) for (let x = 160; x < 166; x++) set(x, y, 0.8); // 36 px part
    const expected = alpha.slice();
    referenceRemoveSpecks(expected, width, height);
    removeSpecks(alpha, width, height);
    expect(Buffer.from(alpha.buffer)).toEqual(Buffer.from(expected.buffer));
    expect(alpha[6 * width + 151]).toBe(0);
    expect(alpha[32 * width + 162]).toBeCloseTo(0.8);
    expect(alpha[119 * width + 139]).toBe(1);
  });
});

describe("fast PNGs", () => {
  it("hold the same pixels, stored when small and compressed when large", async () => {
    const { rgb, alpha } = syntheticScene(320, 200);
    const data = cutoutFromAlpha(rgb, alpha, 320, 200);
    const raster = { data, width: 320, height: 200, channels: 4 as const };
    const fast = await encodePng(raster, { fast: true });
    const small = await encodePng(raster);
    expect(fast.length).toBeGreaterThan(data.length);
    expect(small.length).toBeLessThan(data.length / 2);
    for (const png of [fast, small]) {
      const decoded = await sharp(png).raw().toBuffer();
      expect(decoded.equals(Buffer.from(data))).toBe(true);
    }
  });
});
