/**
 * Names for the files Photo Studio uploads to a store: `<product-handle>-<descriptor>-<n>`, such
 * as `blue-mug-white-background-48213377.jpg`. Search engines read image file names, and a
 * merchant browsing Files recognises the product. Lowercase ASCII words joined by dashes, at most
 * MAX_FILE_NAME characters with the extension.
 *
 * `n` is a number derived from the write's id, not a counter: the write-back finds an interrupted
 * upload again by its name, so the name must be the same on every retry and unlike any other
 * write's (two jobs on one product would otherwise share `-1`) or any file a merchant named.
 */
import type { Recipe } from "../jobs/recipe.ts";

export const MAX_FILE_NAME = 80;
/** Room kept for ".jpeg" and for Shopify's "_<uuid>" should it ever rename a duplicate. */
const EXTENSION_ROOM = 5;
const NUMBER_DIGITS = 8;

/** Lowercase ASCII words joined by single dashes: accents dropped, everything else a break. */
export function slug(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ß/g, "ss")
    .replace(/æ/gi, "ae")
    .replace(/ø/gi, "o")
    .replace(/œ/gi, "oe")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** What the image is, in a few words: its background or scene, and an upscale. */
export function seoDescriptor(recipe: Pick<Recipe, "preset" | "background" | "upscale">): string {
  const { background } = recipe;
  const words: string[] = [];
  if (background.kind === "scene") {
    words.push(background.templateId ? `scene-${background.templateId}` : "scene");
  } else if (background.kind === "color") {
    words.push("colour-background");
  } else if (recipe.preset === "ebay") {
    // eBay keeps the whole photo: nothing about its background changed.
    words.push("ebay");
  } else {
    words.push("white-background");
  }
  if (recipe.upscale) words.push(`${recipe.upscale}x`);
  return slug(words.join("-"));
}

/** A stable number of NUMBER_DIGITS digits from an id (FNV-1a, 32 bits twice). */
function numberFor(id: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x5bd1e995) >>> 0;
  }
  const value = (a * 2 ** 21 + (b & 0x1fffff)) % 10 ** NUMBER_DIGITS;
  return String(value).padStart(NUMBER_DIGITS, "0");
}

/**
 * The file name, without extension, for a write of one product's image. `handle` falls back to
 * the product's title made into a handle, as Shopify makes handles, then to "product".
 */
export function seoFileStem(input: {
  handle?: string | null;
  title?: string | null;
  descriptor: string;
  writeId: string;
}): string {
  const number = numberFor(input.writeId);
  const descriptor = slug(input.descriptor);
  const handle = slug(input.handle ?? "") || slug(input.title ?? "") || "product";
  const budget = MAX_FILE_NAME - EXTENSION_ROOM - number.length - 1;
  let head = descriptor ? `${handle}-${descriptor}` : handle;
  if (head.length > budget) {
    // The descriptor says what changed, so the handle gives way first, at a word boundary.
    const handleRoom = Math.max(1, budget - (descriptor ? descriptor.length + 1 : 0));
    const cut = handle.slice(0, handleRoom);
    const shortHandle = (
      cut.length < handle.length && cut.includes("-") ? cut.slice(0, cut.lastIndexOf("-")) : cut
    ).replace(/-+$/, "");
    head = (descriptor ? `${shortHandle}-${descriptor}` : shortHandle).slice(0, budget);
    head = head.replace(/-+$/, "");
  }
  return `${head}-${number}`;
}
