/**
 * Pad to an aspect ratio: grow the canvas on the short sides, keeping the image centred and at
 * its size. The added area takes the output's background colour.
 */
import { refuse } from "../errors.ts";
import { type Layout } from "../layout.ts";

/** `aspect` is width over height: 1 for square, 4 / 3, 9 / 16… */
export function padToAspect(layout: Layout, aspect: number): Layout {
  if (!Number.isFinite(aspect) || aspect <= 0) {
    throw refuse.invalidEdit("An aspect ratio must be a number above zero.");
  }
  const { canvas, offset } = layout;
  if (canvas.width / canvas.height < aspect) {
    const width = Math.round(canvas.height * aspect);
    return {
      ...layout,
      canvas: { width, height: canvas.height },
      offset: { left: offset.left + Math.floor((width - canvas.width) / 2), top: offset.top },
    };
  }
  const height = Math.round(canvas.width / aspect);
  return {
    ...layout,
    canvas: { width: canvas.width, height },
    offset: { left: offset.left, top: offset.top + Math.floor((height - canvas.height) / 2) },
  };
}
