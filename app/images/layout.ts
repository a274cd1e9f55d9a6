/**
 * The geometry of an output as plain numbers: which part of the upright source is kept, how much
 * it is scaled, and where it sits on the canvas. The geometric edits (crop, trim, resize, pad,
 * fill) are pure functions from Layout to Layout, and render.ts turns the final Layout into one
 * decode → resize → crop → pad pass, however many edits produced it.
 */

export interface Size {
  width: number;
  height: number;
}

export interface Box extends Size {
  left: number;
  top: number;
}

export interface Layout {
  /** The upright source, after its EXIF orientation. */
  readonly source: Size;
  /** The part of the source that is kept, in source pixels. */
  readonly region: Box;
  /** Output pixels per source pixel (above 1 is an enlargement). */
  readonly scale: number;
  readonly canvas: Size;
  /** Where the scaled region's top-left corner lands on the canvas. */
  readonly offset: { left: number; top: number };
}

/** The untouched source: everything kept, at its own size. */
export function layoutFor(source: Size): Layout {
  return {
    source: { width: source.width, height: source.height },
    region: { left: 0, top: 0, width: source.width, height: source.height },
    scale: 1,
    canvas: { width: source.width, height: source.height },
    offset: { left: 0, top: 0 },
  };
}

export function intersect(a: Box, b: Box): Box | null {
  const left = Math.max(a.left, b.left);
  const top = Math.max(a.top, b.top);
  const right = Math.min(a.left + a.width, b.left + b.width);
  const bottom = Math.min(a.top + a.height, b.top + b.height);
  return right > left && bottom > top
    ? { left, top, width: right - left, height: bottom - top }
    : null;
}

/** The region's size once scaled, as whole output pixels (never below one). */
export function scaledRegion(layout: Layout): Size {
  return {
    width: Math.max(1, Math.round(layout.region.width * layout.scale)),
    height: Math.max(1, Math.round(layout.region.height * layout.scale)),
  };
}

export interface RenderPlan {
  /** Size the whole upright source is resampled to. */
  resize: Size;
  /** The part of the resampled source that is kept; also where the product sits on the canvas. */
  extract: Box;
  /** Padding around the kept part, up to the canvas. */
  extend: { top: number; left: number; bottom: number; right: number };
}

/**
 * Whole output pixels for a layout. Rounding can leave the scaled region a pixel larger than the
 * room it has, so the crop is clamped to the resampled source and to the canvas: the canvas size
 * is the one promise that is always kept exactly.
 */
export function planRender(layout: Layout): RenderPlan {
  const { source, region, scale, canvas } = layout;
  const resize = {
    width: Math.max(1, Math.round(source.width * scale)),
    height: Math.max(1, Math.round(source.height * scale)),
  };
  const wanted = scaledRegion(layout);
  const offsetLeft = Math.min(Math.max(0, Math.round(layout.offset.left)), canvas.width - 1);
  const offsetTop = Math.min(Math.max(0, Math.round(layout.offset.top)), canvas.height - 1);
  const left = Math.min(Math.round(region.left * scale), resize.width - 1);
  const top = Math.min(Math.round(region.top * scale), resize.height - 1);
  const width = Math.min(wanted.width, resize.width - left, canvas.width - offsetLeft);
  const height = Math.min(wanted.height, resize.height - top, canvas.height - offsetTop);
  return {
    resize,
    extract: { left, top, width, height },
    extend: {
      left: offsetLeft,
      top: offsetTop,
      right: canvas.width - offsetLeft - width,
      bottom: canvas.height - offsetTop - height,
    },
  };
}

/** Where the kept region ends up on the canvas, in output pixels. */
export function placedBox(plan: RenderPlan): Box {
  return {
    left: plan.extend.left,
    top: plan.extend.top,
    width: plan.extract.width,
    height: plan.extract.height,
  };
}
