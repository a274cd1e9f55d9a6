/**
 * Alt text from what is known for sure: the product's own data, plus either simple facts measured
 * from the pixels (local provider) or a captioning model's sentence (Replicate). The product's
 * title always leads; nothing is claimed that neither source said.
 */

export interface ProductData {
  title?: string;
  productType?: string;
  vendor?: string;
}

export interface PictureFacts {
  /** The product's dominant colour, when one colour clearly dominates. */
  colour?: string;
  /** The backdrop's colour, when the backdrop is plain. */
  background?: string;
}

/** Screen readers read alt text in one breath; WebAIM and most marketplaces suggest ~125 characters. */
export const ALT_TEXT_TARGET_LENGTH = 125;
/** Never cut the product's name, but keep well under Shopify's 512-character limit. */
const ALT_TEXT_HARD_LIMIT = 250;

function tidy(text: string | undefined) {
  return (text ?? "").replace(/\s+/g, " ").trim();
}

function includesWord(haystack: string, needle: string) {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

/** "Light Shade by Acme (Lighting)": the product's name, maker and kind, without repeats. */
function productPhrase(product: ProductData) {
  const title = tidy(product.title);
  const type = tidy(product.productType);
  const vendor = tidy(product.vendor);
  let phrase = title || type || "Product";
  if (vendor && !includesWord(phrase, vendor)) phrase += ` by ${vendor}`;
  if (title && type && !includesWord(title, type)) phrase += ` (${type})`;
  return phrase;
}

/** Appends optional detail while the whole stays within the target length. */
function withDetail(head: string, separator: string, detail: string) {
  if (!detail) return head.slice(0, ALT_TEXT_HARD_LIMIT);
  const room = ALT_TEXT_TARGET_LENGTH - head.length - separator.length;
  if (room < 12) return head.slice(0, ALT_TEXT_HARD_LIMIT);
  if (detail.length <= room) return head + separator + detail;
  const cut = detail.slice(0, room + 1);
  const lastSpace = cut.lastIndexOf(" ");
  const words = (lastSpace > 0 ? cut.slice(0, lastSpace) : cut.slice(0, room)).replace(
    /[\s,;:]+$/,
    "",
  );
  return head + separator + words;
}

/** Alt text from product data and measured facts (the offline provider). */
export function altTextFromFacts(product: ProductData, facts: PictureFacts): string {
  const details = [
    facts.colour ? `${facts.colour}` : "",
    facts.background ? `on ${article(facts.background)} ${facts.background} background` : "",
  ].filter(Boolean);
  return withDetail(productPhrase(product), ", ", details.join(", "));
}

function article(word: string) {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** Alt text from product data and a captioning model's description (Replicate). */
export function altTextFromCaption(product: ProductData, caption: string): string {
  return withDetail(productPhrase(product), ": ", cleanCaption(caption));
}

const CAPTION_PREAMBLES = [
  /^caption:\s*/i,
  /^(the|this) (image|photo|picture|photograph) (shows|features|depicts|displays|contains)\s+/i,
  /^(in )?(the|this) (image|photo|picture)(,| there is| there are)\s*/i,
  /^(this is|here is|it is) (a |an )?(photo|picture|image) of\s+/i,
];

/** The first sentence of a caption, without "The image shows" and its kin. */
export function cleanCaption(raw: string): string {
  let text = tidy(raw);
  for (const preamble of CAPTION_PREAMBLES) text = text.replace(preamble, "");
  const sentence = /^(.+?[.!?])(\s|$)/.exec(text)?.[1] ?? text;
  text = sentence.replace(/[.!?]+$/, "").trim();
  // Lower-case a capitalised first word ("A red mug"), not an acronym ("USB cable").
  if (/^[A-Z][a-z]/.test(text)) text = text[0]!.toLowerCase() + text.slice(1);
  return text;
}

/**
 * A plain colour name for an sRGB colour, from hue, saturation and lightness. Deliberately coarse:
 * "blue", not "cerulean", because it is only said when it is surely right.
 */
export function nameColour(r: number, g: number, b: number): string {
  const max = Math.max(r, g, b) / 255;
  const min = Math.min(r, g, b) / 255;
  const lightness = (max + min) / 2;
  const chroma = max - min;
  const saturation = chroma === 0 ? 0 : chroma / (1 - Math.abs(2 * lightness - 1));
  if (chroma < 0.08 || saturation < 0.12) {
    if (lightness > 0.9) return "white";
    if (lightness > 0.65) return "light grey";
    if (lightness > 0.35) return "grey";
    if (lightness > 0.15) return "dark grey";
    return "black";
  }
  let hue: number;
  const rr = r / 255;
  const gg = g / 255;
  const bb = b / 255;
  if (max === rr) hue = (((gg - bb) / chroma + 6) % 6) * 60;
  else if (max === gg) hue = ((bb - rr) / chroma + 2) * 60;
  else hue = ((rr - gg) / chroma + 4) * 60;

  if (hue < 15 || hue >= 345)
    return lightness < 0.3 ? "dark red" : lightness > 0.75 ? "pink" : "red";
  if (hue < 45) {
    if (lightness < 0.45) return "brown";
    return lightness > 0.8 || (lightness > 0.6 && saturation < 0.5) ? "beige" : "orange";
  }
  if (hue < 70) return lightness < 0.35 ? "olive" : lightness > 0.85 ? "cream" : "yellow";
  if (hue < 165) return lightness < 0.25 ? "dark green" : "green";
  if (hue < 195) return "teal";
  if (hue < 255) return lightness < 0.25 ? "navy" : lightness > 0.75 ? "light blue" : "blue";
  if (hue < 290) return "purple";
  return lightness > 0.6 ? "pink" : "magenta";
}
