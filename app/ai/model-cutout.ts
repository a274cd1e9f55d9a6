/**
 * A cut-out from what a background-removal model returns: its output's alpha is the matte, over
 * the photo's own pixels, whose edges matte.ts decontaminates (the model's colours are not used).
 * Plain TypeScript with relative imports only: cutout-thread.ts runs it, so the photo, the matte
 * and the cut-out (about 30 MB for a 4 MP photo) are made and dropped on the thread that needs
 * them, not in the event loop's heap, where each such batch of buffers cost a garbage collection.
 */
import sharp from "sharp";

import { cutoutFromAlpha, DEFAULT_MAX_MATTING_PIXELS } from "./matte.ts";
import type { CutoutPixels } from "./provider.ts";
import { decodePhoto, MAX_INPUT_PIXELS } from "./raster.server.ts";

/** The photo as it was sent to the model, and the model's output (an image with alpha). */
export async function cutoutFromModelOutput(
  photo: Uint8Array,
  output: Uint8Array,
): Promise<CutoutPixels> {
  const { data, width, height } = await decodePhoto(photo, DEFAULT_MAX_MATTING_PIXELS);
  const alpha = await sharp(output, { limitInputPixels: MAX_INPUT_PIXELS })
    .rotate()
    .ensureAlpha()
    .extractChannel("alpha")
    .resize(width, height, { fit: "fill" })
    .raw()
    .toBuffer();
  return { data: cutoutFromAlpha(data, alpha, width, height), width, height };
}
