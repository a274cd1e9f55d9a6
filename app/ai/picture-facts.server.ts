/**
 * Facts about a product photo that can be measured rather than guessed: whether its backdrop is
 * plain and of which colour, and the product's dominant colour when one clearly dominates.
 */
import sharp from "sharp";

import { nameColour, type PictureFacts } from "./alt-text.ts";
import { MAX_INPUT_PIXELS, unreadableImage } from "./raster.server.ts";

const THUMBNAIL = 96;
/** A colour is the product's only when it covers this share of the product's pixels. */
const DOMINANT_SHARE = 0.4;

export async function measurePictureFacts(bytes: Buffer): Promise<PictureFacts> {
  let thumbnail: { data: Buffer; info: sharp.OutputInfo };
  try {
    thumbnail = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .toColourspace("srgb")
      .resize(THUMBNAIL, THUMBNAIL, { fit: "inside" })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw unreadableImage(error);
  }
  const { data, info } = thumbnail;
  const { width, height } = info;
  const pixel = (x: number, y: number) => {
    const o = (y * width + x) * 4;
    return [data[o]!, data[o + 1]!, data[o + 2]!, data[o + 3]!] as const;
  };

  const product: Array<readonly [number, number, number]> = [];
  let transparent = 0;
  for (let i = 0; i < width * height; i++) if (data[i * 4 + 3]! < 128) transparent++;
  let background: string | undefined;

  if (transparent > width * height * 0.05) {
    // A cut-out: the product is what is opaque, and there is no backdrop to speak of.
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [r, g, b, a] = pixel(x, y);
        if (a >= 200) product.push([r, g, b]);
      }
    }
  } else {
    const border: Array<readonly [number, number, number]> = [];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (x > 1 && y > 1 && x < width - 2 && y < height - 2) continue;
        const [r, g, b] = pixel(x, y);
        border.push([r, g, b]);
      }
    }
    const backdrop = [0, 1, 2].map((c) => median(border.map((p) => p[c]!))) as [
      number,
      number,
      number,
    ];
    // Plain: most of the border is one colour, allowing for light falling off across it (a lit
    // wall, a vignette), which changes lightness but not the colour's name.
    const backdropName = nameColour(...backdrop);
    const alike = (p: readonly [number, number, number]) =>
      distance(p, backdrop) < 30 || nameColour(...p) === backdropName;
    const plain = border.filter(alike).length >= border.length * 0.8;
    if (plain) background = backdropName;
    // On a plain backdrop the product is what differs from it. On a busy one the product cannot
    // be told from its surroundings without a model, so no colour is claimed.
    if (plain) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const [r, g, b] = pixel(x, y);
          if (distance([r, g, b], backdrop) > 48 && !alike([r, g, b])) product.push([r, g, b]);
        }
      }
    }
  }

  const counts = new Map<string, number>();
  for (const [r, g, b] of product) {
    const name = nameColour(r, g, b);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const [top] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  // A product that hardly differs from its backdrop is too small a sample to name.
  const enough = product.length >= Math.max(20, width * height * 0.03);
  const colour = top && enough && top[1] / product.length >= DOMINANT_SHARE ? top[0] : undefined;
  return { colour, background };
}

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function distance(a: readonly number[], b: readonly number[]) {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
}
