/**
 * What every upscaler promises, whichever does the work: the exact factor asked for, a refusal
 * before any work (or spending) when the result would be unreasonably large, and the same
 * encoding for the image engine to take over.
 */
import type sharp from "sharp";

import { AiProviderError } from "./provider.ts";

/** Far above what Shopify accepts (20 MP); beyond it the encode alone takes tens of seconds. */
export const DEFAULT_MAX_UPSCALE_PIXELS = 64_000_000;

export function checkUpscale(
  source: { width: number; height: number },
  factor: number,
  maxOutputPixels = DEFAULT_MAX_UPSCALE_PIXELS,
) {
  if (factor !== 2 && factor !== 4) {
    throw new AiProviderError("invalid_request", "Upscaling works at 2× or 4×.", false);
  }
  if (source.width * factor * source.height * factor > maxOutputPixels) {
    throw new AiProviderError(
      "too_large",
      `This photo is already ${source.width}×${source.height} pixels; upscaling it ${factor}× ` +
        "would make it larger than Photo Studio can handle. Choose 2× or a smaller photo.",
      false,
    );
  }
}

/**
 * Lossless when there is transparency to keep; otherwise a JPEG the engine re-encodes anyway
 * (quality 95 with full-resolution colour is visually lossless and far smaller than a PNG).
 */
export function encodeUpscaled(pipeline: sharp.Sharp, hasAlpha: boolean): Promise<Buffer> {
  return hasAlpha
    ? pipeline.png({ compressionLevel: 6 }).toBuffer()
    : pipeline.jpeg({ quality: 95, chromaSubsampling: "4:4:4" }).toBuffer();
}
