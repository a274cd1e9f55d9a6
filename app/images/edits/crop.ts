/**
 * Crop: keep part of the upright source. Like trim, it chooses the region and resets the framing
 * to a tight canvas around it; resize, pad and fill then frame that region.
 */
import { refuse } from "../errors.ts";
import { intersect, type Box, type Layout } from "../layout.ts";

export function crop(layout: Layout, box: Box): Layout {
  const values = [box.left, box.top, box.width, box.height];
  if (!values.every(Number.isFinite) || box.width <= 0 || box.height <= 0) {
    throw refuse.invalidEdit("A crop needs a position and a width and height above zero.");
  }
  const region = intersect(layout.region, {
    left: Math.round(box.left),
    top: Math.round(box.top),
    width: Math.round(box.width),
    height: Math.round(box.height),
  });
  if (!region) throw refuse.invalidEdit("This crop lies outside the photo.");
  return {
    source: layout.source,
    region,
    scale: layout.scale,
    canvas: {
      width: Math.max(1, Math.round(region.width * layout.scale)),
      height: Math.max(1, Math.round(region.height * layout.scale)),
    },
    offset: { left: 0, top: 0 },
  };
}
