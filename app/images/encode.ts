/**
 * Output formats, quality and size targets. The first encode runs straight from the decode
 * pipeline; only when the file is over its byte limit are the pixels kept in memory and encoded
 * again, first with optimised Huffman tables at the same quality, then at lower qualities (binary
 * search), so the usual case pays for one encode.
 */
import sharp from "sharp";

import { refuse } from "./errors.ts";
import { note, type ImageNote } from "./notes.ts";

export type OutputFormat = "jpeg" | "png" | "webp" | "avif";

export const OUTPUT_MIME_TYPES: Record<OutputFormat, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  avif: "image/avif",
};

export interface OutputOptions {
  format: OutputFormat;
  /** 1-100; ignored for PNG, which is lossless. */
  quality?: number;
  /** Largest acceptable file; quality is lowered (down to `minQuality`) to get under it. */
  maxBytes?: number;
  minQuality?: number;
}

export interface Encoded {
  bytes: Buffer;
  format: OutputFormat;
  mimeType: string;
  width: number;
  height: number;
  /** The quality used, or null for PNG. */
  quality: number | null;
  notes: ImageNote[];
}

const DEFAULT_QUALITY: Record<OutputFormat, number> = { jpeg: 90, png: 100, webp: 85, avif: 60 };
const DEFAULT_MIN_QUALITY = 60;

/**
 * How hard the encoder works for bytes that change no pixel. Optimised Huffman tables make a
 * JPEG about 12% smaller with the very same pixels, but sharp's encoder (mozjpeg) then holds the
 * whole image's coefficients and codes them twice: a 2,000 px Amazon master's render took 178 ms
 * of CPU with them and 59 ms without, a fifth of an image's processing in a bulk job. Shopify
 * re-encodes the files storefronts are served, so a master's bytes matter less than that time,
 * except under a byte limit, where the smaller coding is tried before any loss of quality.
 */
type Effort = "fast" | "smallest";

function withFormat(
  image: sharp.Sharp,
  format: OutputFormat,
  quality: number,
  effort: Effort = "fast",
): sharp.Sharp {
  switch (format) {
    case "jpeg":
      // At 90 and above the file is a master for a marketplace: keep full colour resolution so
      // coloured edges against white stay crisp (chroma subsampling smears them by a pixel).
      return image.jpeg({
        quality,
        chromaSubsampling: quality >= 90 ? "4:4:4" : "4:2:0",
        optimiseCoding: effort === "smallest",
      });
    case "png":
      return image.png({ compressionLevel: 6 });
    case "webp":
      return image.webp({ quality, effort: 4 });
    case "avif":
      return image.avif({ quality, effort: 4 });
  }
}

/**
 * Encodes the image `make` builds (called once, or twice when a size target forces a search).
 * `size` is the image's size as planned: sharp's reported size is wrong once a pipeline crops
 * after resizing and then pads (it reports the crop). `destination` names the limit in the
 * refusal when even the lowest quality is too large.
 */
export async function encode(
  make: () => sharp.Sharp,
  size: { width: number; height: number },
  options: OutputOptions,
  destination = "the destination",
): Promise<Encoded> {
  const { format, maxBytes } = options;
  const quality = format === "png" ? 100 : (options.quality ?? DEFAULT_QUALITY[format]);
  const first = { data: await withFormat(make(), format, quality).toBuffer() };
  const result = (data: Buffer, used: number, notes: ImageNote[] = []): Encoded => ({
    bytes: data,
    format,
    mimeType: OUTPUT_MIME_TYPES[format],
    width: size.width,
    height: size.height,
    quality: format === "png" ? null : used,
    notes,
  });
  if (maxBytes === undefined || first.data.length <= maxBytes) return result(first.data, quality);
  if (format === "png") throw refuse.outputTooLarge(destination, first.data.length, maxBytes);

  const pixels = await make().raw().toBuffer({ resolveWithObject: true });
  const raw = { width: size.width, height: size.height, channels: pixels.info.channels };
  const again = (used: number) =>
    withFormat(sharp(pixels.data, { raw }), format, used, "smallest").toBuffer();
  // Smaller files with the same pixels come before any loss of quality.
  const lossless = format === "jpeg" ? await again(quality) : null;
  if (lossless && lossless.length <= maxBytes) return result(lossless, quality);
  let low = Math.min(options.minQuality ?? DEFAULT_MIN_QUALITY, quality - 1);
  let high = quality - 1;
  let best: { data: Buffer; quality: number } | null = null;
  let smallest = Math.min(first.data.length, lossless?.length ?? Infinity);
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const data = await again(middle);
    smallest = Math.min(smallest, data.length);
    if (data.length <= maxBytes) {
      best = { data, quality: middle };
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  if (!best) throw refuse.outputTooLarge(destination, smallest, maxBytes);
  return result(best.data, best.quality, [note.qualityReduced(best.quality, maxBytes)]);
}
