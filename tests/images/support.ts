/**
 * Fixtures and pixel measurements for the image engine's tests: results are checked by decoding
 * them and measuring pixels, never by trusting what the engine reports about itself.
 */
import fs from "node:fs";
import path from "node:path";

import sharp from "sharp";

import type {
  AiOperation,
  AiProvider,
  ImageInput,
  RemoveBackgroundResult,
  UpscaleResult,
} from "../../app/ai/provider";

const ROOT = path.resolve(import.meta.dirname, "../..");
export const FIXTURES = path.join(ROOT, "tests/fixtures/images");
export const CATALOG = path.join(ROOT, "emulators/shopify/catalog");

export function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(FIXTURES, name));
}

export function catalogPhoto(name: string): Buffer {
  return fs.readFileSync(path.join(CATALOG, name));
}

export interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

export async function pixels(bytes: Buffer | sharp.Sharp, channels: 3 | 4 = 3): Promise<Pixels> {
  const image = Buffer.isBuffer(bytes) ? sharp(bytes) : bytes;
  const shaped = channels === 4 ? image.ensureAlpha() : image.removeAlpha();
  const { data, info } = await shaped
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

export function pixelAt(image: Pixels, x: number, y: number): number[] {
  const at = (y * image.width + x) * image.channels;
  return [...image.data.subarray(at, at + image.channels)];
}

/** Mean absolute difference per channel value (0 identical, 255 opposite). */
export function meanAbsDiff(a: Pixels, b: Pixels): number {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(
      `Different shapes: ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`,
    );
  }
  let total = 0;
  for (let index = 0; index < a.data.length; index++)
    total += Math.abs(a.data[index]! - b.data[index]!);
  return total / a.data.length;
}

/** Every pixel of the outermost `band` rows and columns, as [r, g, b] values. */
export function borderValues(image: Pixels, band = 1): number[] {
  const values: number[] = [];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const edge = x < band || y < band || x >= image.width - band || y >= image.height - band;
      if (edge) values.push(...pixelAt(image, x, y).slice(0, 3));
    }
  }
  return values;
}

/** Bounding box of the pixels darker than `below` in any channel (the product on white). */
export function nonWhiteBox(image: Pixels, below = 250) {
  let left = image.width;
  let top = image.height;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const at = (y * image.width + x) * image.channels;
      if (image.data[at]! < below || image.data[at + 1]! < below || image.data[at + 2]! < below) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** A JPEG whose frame header claims another size: what a decompression bomb looks like. */
export function withJpegDimensions(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  let at = 2;
  while (at + 4 < out.length && out[at] === 0xff) {
    const marker = out[at + 1]!;
    const length = out.readUInt16BE(at + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (isFrame) {
      out.writeUInt16BE(height, at + 5);
      out.writeUInt16BE(width, at + 7);
      return out;
    }
    at += 2 + length;
  }
  throw new Error("No JPEG frame header found");
}

type ExifField = { tag: number } & ({ ascii: string } | { long: number } | { rationals: number[] });

function ifd(fields: ExifField[], at: number): Buffer {
  const head = Buffer.alloc(2 + fields.length * 12 + 4);
  const data: Buffer[] = [];
  let dataAt = at + head.length;
  head.writeUInt16LE(fields.length, 0);
  fields.forEach((field, index) => {
    const entry = 2 + index * 12;
    head.writeUInt16LE(field.tag, entry);
    let value: Buffer;
    if ("ascii" in field) {
      value = Buffer.from(`${field.ascii}\0`, "latin1");
      head.writeUInt16LE(2, entry + 2);
      head.writeUInt32LE(value.length, entry + 4);
    } else if ("long" in field) {
      head.writeUInt16LE(4, entry + 2);
      head.writeUInt32LE(1, entry + 4);
      head.writeUInt32LE(field.long, entry + 8);
      return;
    } else {
      value = Buffer.alloc(field.rationals.length * 4);
      field.rationals.forEach((number, i) => value.writeUInt32LE(number, i * 4));
      head.writeUInt16LE(5, entry + 2);
      head.writeUInt32LE(field.rationals.length / 2, entry + 4);
    }
    if (value.length <= 4) {
      value.copy(head, entry + 8);
    } else {
      head.writeUInt32LE(dataAt, entry + 8);
      data.push(value);
      dataAt += value.length;
    }
  });
  return Buffer.concat([head, ...data]);
}

/**
 * A JPEG carrying EXIF with camera, date, owner, serial number and a GPS position (48°51'N),
 * built by hand so the test knows exactly what went in.
 */
export async function jpegWithGps(): Promise<Buffer> {
  const clean = await sharp(fixture("Landscape_1.jpg")).jpeg().toBuffer();
  const camera: ExifField[] = [
    { tag: 0x010f, ascii: "PhotoCam" },
    { tag: 0x0110, ascii: "Model 7" },
    { tag: 0x8298, ascii: "Studio Owner" },
  ];
  const exif: ExifField[] = [
    { tag: 0x9003, ascii: "2024:05:01 10:00:00" },
    { tag: 0xa431, ascii: "SERIAL-123456" },
  ];
  const gps: ExifField[] = [
    { tag: 0x0001, ascii: "N" },
    { tag: 0x0002, rationals: [48, 1, 51, 1, 24, 1] },
  ];
  const pointers = (exifAt: number, gpsAt: number): ExifField[] => [
    ...camera,
    { tag: 0x8769, long: exifAt },
    { tag: 0x8825, long: gpsAt },
  ];
  const ifd0Size = ifd(pointers(0, 0), 8).length;
  const exifAt = 8 + ifd0Size;
  const exifIfd = ifd(exif, exifAt);
  const gpsAt = exifAt + exifIfd.length;
  const tiff = Buffer.concat([
    Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]),
    ifd(pointers(exifAt, gpsAt), 8),
    exifIfd,
    ifd(gps, gpsAt),
  ]);
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xffe1, 0);
  segment.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([clean.subarray(0, 2), segment, payload, clean.subarray(2)]);
}

/** A product shot: a red disc with a soft edge on a plain light-grey sweep. */
export async function productShot(width: number, height: number, discRatio = 0.5): Promise<Buffer> {
  const radius = (Math.min(width, height) * discRatio) / 2;
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect width="100%" height="100%" fill="rgb(236,236,236)"/>` +
      `<circle cx="${width / 2}" cy="${height / 2}" r="${radius}" fill="rgb(200,30,40)"/></svg>`,
  );
  return sharp(svg).jpeg({ quality: 95 }).toBuffer();
}

/**
 * An AI provider for the engine's own tests: background removal keys out the photo's edge colour
 * (good enough for productShot), upscaling resamples. It records calls, and can be told to send
 * back something other than a photo, to prove provider output goes through intake.
 */
export class TestProvider implements AiProvider {
  readonly name = "local" as const;
  readonly calls: { operation: AiOperation; mimeType: string; width: number; height: number }[] =
    [];
  /** The bytes of each call's image, as sent. */
  readonly inputs: Buffer[] = [];
  cutoutOverride: Buffer | null = null;
  private readonly operations: AiOperation[];

  constructor(operations: AiOperation[] = ["remove-background", "upscale"]) {
    this.operations = operations;
  }

  supports(operation: AiOperation) {
    return this.operations.includes(operation);
  }

  private async record(operation: AiOperation, image: ImageInput) {
    const { width = 0, height = 0 } = await sharp(image.bytes).metadata();
    this.calls.push({ operation, mimeType: image.mimeType, width, height });
    this.inputs.push(image.bytes);
  }

  async removeBackground(image: ImageInput): Promise<RemoveBackgroundResult> {
    await this.record("remove-background", image);
    if (this.cutoutOverride) return { cutout: this.cutoutOverride };
    const { data, width, height } = await pixels(image.bytes);
    const key = pixelAt({ data, width, height, channels: 3 }, 0, 0);
    const rgba = Buffer.alloc(width * height * 4);
    for (let index = 0; index < width * height; index++) {
      let distance = 0;
      for (let channel = 0; channel < 3; channel++) {
        const value = data[index * 3 + channel]!;
        distance = Math.max(distance, Math.abs(value - key[channel]!));
        rgba[index * 4 + channel] = value;
      }
      rgba[index * 4 + 3] = Math.max(0, Math.min(255, (distance - 20) * 8));
    }
    const cutout = await sharp(rgba, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer();
    return { cutout };
  }

  async upscale(image: ImageInput, factor: 2 | 4): Promise<UpscaleResult> {
    await this.record("upscale", image);
    const { width = 1, height = 1 } = await sharp(image.bytes).metadata();
    const upscaled = await sharp(image.bytes)
      .resize(width * factor, height * factor, { kernel: "cubic" })
      .png()
      .toBuffer();
    return { image: upscaled, factor, method: "ai" };
  }

  scene(): Promise<Buffer> {
    throw new Error("not used by the image engine");
  }
  erase(): Promise<Buffer> {
    throw new Error("not used by the image engine");
  }
  altText(): Promise<string> {
    throw new Error("not used by the image engine");
  }
}
