/**
 * Classical upscaling: Lanczos-3 resampling followed by an unsharp mask sized to the factor. It
 * makes no detail up, and says so: the result is labelled method "classical".
 */
import sharp from "sharp";

import type { UpscaleResult } from "../provider.ts";
import { MAX_INPUT_PIXELS, imageFacts } from "../raster.server.ts";
import { DEFAULT_MAX_UPSCALE_PIXELS, checkUpscale, encodeUpscaled } from "../upscale.server.ts";

export async function upscaleClassically(
  bytes: Buffer,
  factor: 2 | 4,
  maxOutputPixels = DEFAULT_MAX_UPSCALE_PIXELS,
): Promise<UpscaleResult> {
  const facts = await imageFacts(bytes);
  checkUpscale(facts, factor, maxOutputPixels);
  const resized = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
    .rotate()
    .toColourspace("srgb")
    .resize(facts.width * factor, facts.height * factor, { fit: "fill", kernel: "lanczos3" })
    // The blur Lanczos leaves grows with the factor; so does the sharpening radius. Flat areas
    // get little of it (m1), so JPEG noise is not amplified.
    .sharpen({ sigma: 0.4 * factor, m1: 0.5, m2: 2 });
  return { image: await encodeUpscaled(resized, facts.hasAlpha), factor, method: "classical" };
}
