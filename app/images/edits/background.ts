/**
 * Backgrounds: a colour (white by default) or transparency. A cut-out is laid over a colour with
 * its alpha as given: a refined matte's soft edge (hair, glass) blends into the new colour in
 * proportion to its alpha instead of being thresholded into a jagged outline.
 */
import type sharp from "sharp";

import { refuse } from "../errors.ts";

export type Background =
  { kind: "colour"; r: number; g: number; b: number } | { kind: "transparent" };

export const WHITE: Background = { kind: "colour", r: 255, g: 255, b: 255 };
export const TRANSPARENT: Background = { kind: "transparent" };

/** `white`, `transparent`, `#rgb` or `#rrggbb`. */
export function parseBackground(value: string): Background {
  const text = value.trim().toLowerCase();
  if (text === "white") return WHITE;
  if (text === "transparent") return TRANSPARENT;
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(text);
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(text);
  const parts = long?.slice(1) ?? short?.slice(1).map((digit) => digit + digit);
  if (!parts) {
    throw refuse.invalidEdit(
      `"${value}" is not a background: use white, transparent or a colour like #f5f5f5.`,
    );
  }
  const [r, g, b] = parts.map((part) => parseInt(part, 16)) as [number, number, number];
  return { kind: "colour", r, g, b };
}

export function backgroundRgba(background: Background): sharp.RGBA {
  return background.kind === "transparent"
    ? { r: 0, g: 0, b: 0, alpha: 0 }
    : { r: background.r, g: background.g, b: background.b, alpha: 1 };
}

/**
 * Puts the image over the background: alpha-blended onto a colour (the result is opaque), or
 * given an alpha channel so padding around it can be transparent.
 */
export function applyBackground(image: sharp.Sharp, background: Background): sharp.Sharp {
  return background.kind === "transparent"
    ? image.ensureAlpha()
    : image.flatten({ background: backgroundRgba(background) });
}
