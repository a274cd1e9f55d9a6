/**
 * Resize the framed output to fit a box. It never enlarges unless asked to: an enlargement adds
 * no detail, so it has to be a decision (a preset's target canvas), not a side effect.
 */
import { refuse } from "../errors.ts";
import { type Layout } from "../layout.ts";

export interface ResizeOptions {
  width?: number;
  height?: number;
  /** Allow the result to be larger than the current output. */
  upscale?: boolean;
}

export function resize(layout: Layout, options: ResizeOptions): Layout {
  const { canvas } = layout;
  const limits = [
    options.width === undefined ? Infinity : options.width / canvas.width,
    options.height === undefined ? Infinity : options.height / canvas.height,
  ];
  let factor = Math.min(...limits);
  if (!Number.isFinite(factor) || factor <= 0) {
    throw refuse.invalidEdit("A resize needs a width or a height above zero.");
  }
  if (factor > 1 && !options.upscale) factor = 1;
  return {
    ...layout,
    scale: layout.scale * factor,
    canvas: {
      width: Math.max(1, Math.round(canvas.width * factor)),
      height: Math.max(1, Math.round(canvas.height * factor)),
    },
    offset: { left: layout.offset.left * factor, top: layout.offset.top * factor },
  };
}
