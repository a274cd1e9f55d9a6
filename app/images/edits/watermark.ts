/**
 * The PREVIEW watermark for images shown before a merchant approves (or pays for) a result. The
 * letters are drawn as strokes, not text, so the mark looks the same on a server without fonts.
 * It is tiled diagonally over the whole canvas so cropping cannot remove it. Previews only:
 * marketplaces forbid watermarks on listing photos.
 */
import { type Size } from "../layout.ts";

/** "PREVIEW" on a 4 × 6 grid per letter, one letter every 6 units. */
const GLYPHS: Record<string, string> = {
  P: "M0 6V0H3L4 1V2L3 3H0",
  R: "M0 6V0H3L4 1V2L3 3H0M2 3L4 6",
  E: "M4 0H0V6H4M0 3H3",
  V: "M0 0L2 6L4 0",
  I: "M1 0H3M2 0V6M1 6H3",
  W: "M0 0L1 6L2 2L3 6L4 0",
};
const WORD = "PREVIEW";
const WORD_WIDTH = (WORD.length - 1) * 6 + 4;
const WORD_HEIGHT = 6;

function word() {
  return [...WORD]
    .map((letter, index) => `<path transform="translate(${index * 6} 0)" d="${GLYPHS[letter]}"/>`)
    .join("");
}

/** An SVG overlay exactly the canvas's size, for sharp's composite. */
export function watermarkOverlay(canvas: Size): Buffer {
  // About three words across the canvas, whatever its size.
  const unit = Math.max(canvas.width, canvas.height) / 3.2 / WORD_WIDTH;
  const tileWidth = WORD_WIDTH * unit * 1.5;
  const tileHeight = WORD_WIDTH * unit * 0.55;
  const letters = word();
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${canvas.width}" height="${canvas.height}">` +
    `<defs><pattern id="mark" patternUnits="userSpaceOnUse" width="${tileWidth}" height="${tileHeight}" patternTransform="rotate(-30)">` +
    `<g transform="translate(${(tileWidth - WORD_WIDTH * unit) / 2} ${(tileHeight - WORD_HEIGHT * unit) / 2}) scale(${unit})" fill="none" stroke-linecap="round" stroke-linejoin="round">` +
    `<g stroke="#000" stroke-opacity="0.3" stroke-width="1.3">${letters}</g>` +
    `<g stroke="#fff" stroke-opacity="0.75" stroke-width="0.6">${letters}</g>` +
    `</g></pattern></defs>` +
    `<rect width="100%" height="100%" fill="url(#mark)"/></svg>`;
  return Buffer.from(svg);
}
