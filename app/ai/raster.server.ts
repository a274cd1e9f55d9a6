/**
 * Raw pixels in and out of sharp. The AI code works on 8-bit sRGB rasters so that what it promises
 * ("the product's pixels are unchanged") can be checked byte for byte.
 */
import { channel } from "node:diagnostics_channel";

import sharp from "sharp";

import { AiProviderError } from "./provider.ts";

const stages = channel("photo-studio:stage");

/**
 * Publishes a stage's CPU and wall time for profiling (scripts/profile-generation.ts), on the
 * channel app/images/stages.ts documents; a property read when nobody listens.
 */
export async function stage<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (!stages.hasSubscribers) return run();
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    return await run();
  } finally {
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    stages.publish({ name, cpuMs, wallMs: performance.now() - started });
  }
}

export interface Raster {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/**
 * Larger inputs are refused rather than decoded: the image engine's intake already refuses
 * decompression bombs, this is the AI side's own guard (Shopify's own limit is 20 MP).
 */
export const MAX_INPUT_PIXELS = 50_000_000;

export function unreadableImage(cause: unknown, what = "this photo") {
  return new AiProviderError(
    "unreadable_image",
    `Photo Studio couldn't read ${what}. Upload it again as a JPEG, PNG or WebP file.`,
    false,
    { cause },
  );
}

/** Decodes to sRGB with EXIF orientation applied; 4 channels keeps (or adds) alpha. */
export async function decodeRaster(
  bytes: Buffer | Uint8Array,
  channels: 1 | 3 | 4,
  what?: string,
): Promise<Raster> {
  try {
    let pipeline = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).rotate();
    if (channels === 1) pipeline = pipeline.toColourspace("b-w");
    else pipeline = pipeline.toColourspace("srgb");
    pipeline = channels === 4 ? pipeline.ensureAlpha() : pipeline.removeAlpha();
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) {
      // A grey source with alpha decodes to 2 channels; rebuild the layout asked for.
      return expandChannels(
        { data, width: info.width, height: info.height },
        info.channels,
        channels,
      );
    }
    return { data, width: info.width, height: info.height, channels };
  } catch (error) {
    if (error instanceof AiProviderError) throw error;
    throw unreadableImage(error, what);
  }
}

function expandChannels(
  source: { data: Uint8Array; width: number; height: number },
  from: number,
  to: 1 | 3 | 4,
): Raster {
  const pixels = source.width * source.height;
  const out = new Uint8Array(pixels * to);
  for (let i = 0; i < pixels; i++) {
    const grey = source.data[i * from]!;
    const alpha = from === 2 || from === 4 ? source.data[i * from + from - 1]! : 255;
    if (to === 1) out[i] = grey;
    else {
      out[i * to] = from >= 3 ? source.data[i * from]! : grey;
      out[i * to + 1] = from >= 3 ? source.data[i * from + 1]! : grey;
      out[i * to + 2] = from >= 3 ? source.data[i * from + 2]! : grey;
      if (to === 4) out[i * to + 3] = alpha;
    }
  }
  return { data: out, width: source.width, height: source.height, channels: to };
}

export function rasterToSharp(raster: Raster) {
  return sharp(raster.data, {
    raw: { width: raster.width, height: raster.height, channels: raster.channels },
  });
}

/** Up to this much pixel data, a `fast` PNG is stored uncompressed (5 MP of RGBA). */
const STORED_PNG_MAX_BYTES = 20_000_000;

/**
 * Lossless either way. `fast` is for files the image engine decodes straight away (a cut-out on
 * its way to a preset): deflate is most of a PNG's encoding and decoding time, so such a file is
 * stored uncompressed up to 5 MP (a 2000 px photo's cut-out: about 10 MB, well inside intake's
 * 50 MB), and compressed at level 1 above that.
 */
export function encodePng(raster: Raster, options: { fast?: boolean } = {}): Promise<Buffer> {
  const level = !options.fast ? 6 : raster.data.length <= STORED_PNG_MAX_BYTES ? 0 : 1;
  return rasterToSharp(raster).png({ compressionLevel: level }).toBuffer();
}

export async function imageFacts(bytes: Buffer | Uint8Array) {
  try {
    const meta = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
    const rotated = (meta.orientation ?? 1) >= 5;
    const width = rotated ? meta.height : meta.width;
    const height = rotated ? meta.width : meta.height;
    if (!width || !height) throw new Error("no dimensions");
    return { width, height, hasAlpha: meta.hasAlpha === true, format: meta.format };
  } catch (error) {
    throw unreadableImage(error);
  }
}

/** Resizes an 8-bit raster with sharp (Lanczos), keeping its channel count. */
export async function resizeRaster(raster: Raster, width: number, height: number): Promise<Raster> {
  const { data, info } = await rasterToSharp(raster)
    .resize(width, height, { fit: "fill", kernel: "lanczos3" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: raster.channels };
}

/** Brush strokes are anti-aliased and erased objects leave a soft halo: masks grow by this. */
export const MASK_HALO_RADIUS = 2;

/**
 * An eraser mask as one byte per pixel, 255 where something is to be removed. White marks what to
 * remove; in an RGBA mask, transparent pixels are kept whatever their colour.
 */
export async function decodeMask(
  bytes: Buffer,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const mask = await decodeRaster(bytes, 4, "the eraser mask");
  if (mask.width !== width || mask.height !== height) {
    throw new AiProviderError(
      "mask_size_mismatch",
      `The eraser mask is ${mask.width}×${mask.height} pixels but the photo is ${width}×${height}. ` +
        "Draw the mask on this photo again.",
      false,
    );
  }
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const d = mask.data;
    const luminance = 0.2126 * d[i * 4]! + 0.7152 * d[i * 4 + 1]! + 0.0722 * d[i * 4 + 2]!;
    out[i] = (luminance * d[i * 4 + 3]!) / 255 >= 128 ? 255 : 0;
  }
  return out;
}

/** The photo as 8-bit sRGB, oriented, transparency flattened on white, within maxPixels. */
export async function decodePhoto(bytes: Buffer | Uint8Array, maxPixels = MAX_INPUT_PIXELS) {
  try {
    const image = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).rotate();
    const meta = await image.metadata();
    const rotated = (meta.orientation ?? 1) >= 5;
    const width = (rotated ? meta.height : meta.width) ?? 0;
    const height = (rotated ? meta.width : meta.height) ?? 0;
    const scale = Math.min(1, Math.sqrt(maxPixels / (width * height)));
    let pipeline = image.toColourspace("srgb").flatten({ background: "#ffffff" });
    if (scale < 1) {
      pipeline = pipeline.resize(Math.round(width * scale), Math.round(height * scale), {
        kernel: "lanczos3",
      });
    }
    const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { data: pixels, width: info.width, height: info.height };
  } catch (error) {
    throw unreadableImage(error);
  }
}

/** Opaque photos go back without an alpha channel (smaller PNG, same pixels). */
export function dropOpaqueAlpha(image: Raster): Raster {
  if (image.channels !== 4) return image;
  const pixels = image.width * image.height;
  for (let i = 0; i < pixels; i++) if (image.data[i * 4 + 3] !== 255) return image;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    rgb[i * 3] = image.data[i * 4]!;
    rgb[i * 3 + 1] = image.data[i * 4 + 1]!;
    rgb[i * 3 + 2] = image.data[i * 4 + 2]!;
  }
  return { data: rgb, width: image.width, height: image.height, channels: 3 };
}
