/**
 * Turns a layout and a look (background, shadow, watermark) into an encoded file in one decode
 * pass: resample the whole source (JPEG shrink-on-load does most of a reduction for free), crop,
 * turn upright, pad to the canvas, encode. A drop shadow needs the placed cut-out's alpha, so it
 * costs one extra pass over the canvas.
 */
import sharp from "sharp";

import {
  applyBackground,
  backgroundRgba,
  TRANSPARENT,
  type Background,
} from "./edits/background.ts";
import { shadowOverlay, type ShadowOptions } from "./edits/shadow.ts";
import { watermarkOverlay } from "./edits/watermark.ts";
import { encode, type Encoded, type OutputOptions } from "./encode.ts";
import { refuse } from "./errors.ts";
import { decodeFailure, readSource, type ImageSource } from "./intake.ts";
import { placedBox, planRender, type Box, type Layout, type RenderPlan } from "./layout.ts";

export interface Look {
  background: Background;
  /** Drop shadow, drawn only when the source has transparency (a cut-out). */
  shadow?: ShadowOptions | null;
  /** Overlay the PREVIEW watermark (previews only, never store uploads). */
  watermark?: boolean;
}

export interface Rendered extends Encoded {
  /** Where the kept region (the product, once trimmed) sits on the canvas. */
  placed: Box;
}

/** The source, resampled, cropped and upright, on a canvas of the plan's size. */
function placeSource(source: ImageSource, plan: RenderPlan, background: Background) {
  const image = readSource(source)
    .resize(plan.resize.width, plan.resize.height, { fit: "fill" })
    .extract(plan.extract)
    // autoOrient must come after extract(): sharp then turns the image upright after resampling
    // (JPEG shrink-on-load still applies and a 90° turn moves only output pixels) and reads the
    // resize and extract above in upright coordinates. Called earlier, sharp first rotates the
    // full-size decoded photo: for a 25 MP portrait phone shot, 2.7× the time and 1.7× the
    // memory.
    .autoOrient();
  return applyBackground(image, background).extend({
    ...plan.extend,
    background: backgroundRgba(background),
  });
}

export async function renderImage(
  source: ImageSource,
  layout: Layout,
  look: Look,
  output: OutputOptions,
  destination?: string,
): Promise<Rendered> {
  if (look.background.kind === "transparent" && output.format === "jpeg") {
    throw refuse.invalidEdit(
      "JPEG files can't be transparent: choose PNG, WebP or AVIF for a transparent background.",
    );
  }
  const plan = planRender(layout);
  const placed = placedBox(plan);
  const { width, height } = layout.canvas;
  const overlays: sharp.OverlayOptions[] = look.watermark
    ? [{ input: watermarkOverlay(layout.canvas) }]
    : [];
  try {
    let make: () => sharp.Sharp;
    if (look.shadow && source.facts.hasAlpha) {
      const layer = await placeSource(source, plan, TRANSPARENT)
        .toColourspace("srgb")
        .raw()
        .toBuffer();
      const shadow = await shadowOverlay({ data: layer, width, height }, placed, look.shadow);
      const opaque = look.background.kind === "colour";
      make = () => {
        const canvas = sharp({
          create: { width, height, channels: 4, background: backgroundRgba(look.background) },
        }).composite([shadow, { input: layer, raw: { width, height, channels: 4 } }, ...overlays]);
        return opaque ? canvas.removeAlpha() : canvas;
      };
    } else {
      make = () => {
        const image = placeSource(source, plan, look.background);
        return (overlays.length > 0 ? image.composite(overlays) : image).toColourspace("srgb");
      };
    }
    return { ...(await encode(make, layout.canvas, output, destination)), placed };
  } catch (error) {
    throw decodeFailure(error, source.bytes, source.facts.format);
  }
}
