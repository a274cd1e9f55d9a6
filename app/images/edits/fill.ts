/**
 * Fit the product to a fill ratio: scale the kept region so that it fills `ratio` of the canvas
 * on its constraining side (Amazon's "product fills 85% of the frame"), centred on the canvas.
 */
import { refuse } from "../errors.ts";
import { type Layout, type Size } from "../layout.ts";

export interface FillOptions {
  /** Enlarge a product smaller than the target; without it, a small product stays small. */
  upscale?: boolean;
}

export function fillFrame(
  layout: Layout,
  canvas: Size,
  ratio: number,
  options: FillOptions = {},
): Layout {
  if (!(ratio > 0 && ratio <= 1)) {
    throw refuse.invalidEdit("A fill ratio is a fraction of the frame, above 0 and at most 1.");
  }
  const { region } = layout;
  let scale = Math.min(
    (canvas.width * ratio) / region.width,
    (canvas.height * ratio) / region.height,
  );
  if (scale > 1 && !options.upscale) scale = 1;
  const placed = {
    width: Math.min(canvas.width, Math.max(1, Math.round(region.width * scale))),
    height: Math.min(canvas.height, Math.max(1, Math.round(region.height * scale))),
  };
  return {
    ...layout,
    scale,
    canvas: { width: canvas.width, height: canvas.height },
    offset: {
      left: Math.floor((canvas.width - placed.width) / 2),
      top: Math.floor((canvas.height - placed.height) / 2),
    },
  };
}
