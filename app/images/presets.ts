/**
 * Marketplace presets, as data. Each says how the product is framed, on what background, in
 * which format, and what its destination accepts (`accepts`: checked on every result, and the
 * byte limit is the encoder's size target). Every number comes from the sources listed with it;
 * marketplaces change their pages, so re-check them before relying on a number, and update the
 * date below when you do.
 *
 * Sources read on 2026-11-23. Amazon's and Temu's seller help pages need a seller login, so their
 * rules are cited from Amazon's own image guide as republished and from seller guides that quote
 * the pages; Shopify's and eBay's are their own public pages.
 *
 * How `pipeline.ts` runs a preset, in order:
 *   1. intake (identify, limits); a photo with transparency is already a cut-out;
 *   2. `removeBackground`: the AI provider cuts the product out, when one is given; without one
 *      the product is found classically (a plain background is trimmed away);
 *   3. `frame`: "canvas" fits the product to `fill` of a fixed canvas, centred; "photo" keeps the
 *      whole photo and only resizes it (no padding at all: for destinations that forbid borders);
 *      a product too small for the frame is enlarged on purpose (AI upscale when the provider
 *      offers it, else Lanczos resampling), and an enlargement above 2× is flagged;
 *   4. background, then `shadow` (cut-outs only), then encoding within `accepts.maxBytes`.
 */
import { WHITE, type Background } from "./edits/background.ts";
import { SOFT_SHADOW, type ShadowOptions } from "./edits/shadow-options.ts";
import type { OutputFormat, OutputOptions } from "./encode.ts";

export const PRESET_IDS = [
  "amazon",
  "etsy",
  "ebay",
  "temu",
  "shopify",
  "social-square",
  "social-story",
] as const;

export type PresetId = (typeof PRESET_IDS)[number];

export type Frame =
  | { kind: "canvas"; width: number; height: number; fill: number }
  | { kind: "photo"; longestSide: number };

export interface Accepts {
  formats: readonly OutputFormat[];
  minLongestSide?: number;
  maxLongestSide?: number;
  maxWidth?: number;
  maxHeight?: number;
  maxPixels?: number;
  maxBytes?: number;
  square?: boolean;
  /** The destination forbids added borders and watermarks, so nothing may be padded or drawn. */
  noBorders?: boolean;
}

export interface Preset {
  id: PresetId;
  name: string;
  summary: string;
  removeBackground: boolean;
  frame: Frame;
  background: Background;
  shadow: ShadowOptions | null;
  output: Omit<OutputOptions, "maxBytes">;
  accepts: Accepts;
  sources: readonly string[];
}

const MB = 1_000_000;

export const PRESETS: Readonly<Record<PresetId, Preset>> = {
  amazon: {
    id: "amazon",
    name: "Amazon main image",
    summary: "2000 × 2000 JPEG, product on pure white (255, 255, 255) filling 85% of the frame",
    removeBackground: true,
    // Pure white, product filling 85% or more; at least 1,000 px on the longest side for zoom,
    // 2,000 recommended; shadows are not part of a "pure white background".
    frame: { kind: "canvas", width: 2000, height: 2000, fill: 0.85 },
    background: WHITE,
    shadow: null,
    output: { format: "jpeg", quality: 90 },
    // Longest side 1,000 (zoom) to 10,000 px; JPEG preferred (TIFF, PNG, GIF also accepted);
    // files up to 10 MB.
    accepts: {
      formats: ["jpeg", "png"],
      minLongestSide: 1000,
      maxLongestSide: 10_000,
      maxBytes: 10 * MB,
    },
    sources: [
      "Amazon Seller Central image guide, 'Image Standards' (pure white RGB 255,255,255; product fills 85% or more; 1000 px for zoom; JPEG preferred): https://m.renrendoc.com/p-42271683.html",
      "Amazon site standards as quoted by e-tailize (1000 px zoom, 1600 px recommended, 10,000 px maximum longest side): https://help.e-tailize.com/en/amazon-product-image-requirements",
      "2,000 × 2,000 px recommended: https://retouchable.ai/blog/amazon-product-photography-requirements",
      "Files up to 10 MB, sRGB: https://changethisfile.com/blog/convert-images-for-amazon-seller-central",
    ],
  },
  etsy: {
    id: "etsy",
    name: "Etsy listing photo",
    summary: "2000 × 2000 JPEG, product on white with a soft shadow, under 10 MB",
    removeBackground: true,
    // 2,000 px on the longest side; square suits Etsy's square thumbnails.
    frame: { kind: "canvas", width: 2000, height: 2000, fill: 0.8 },
    background: WHITE,
    shadow: SOFT_SHADOW,
    output: { format: "jpeg", quality: 90 },
    accepts: { formats: ["jpeg", "png"], minLongestSide: 2000, maxBytes: 10 * MB },
    sources: [
      "Etsy photo specs (2,000 px longest side, 2,000 × 2,000 recommended, 10 MB maximum, JPEG/PNG/GIF): https://hauld.app/blog/etsy-listing-photo-checklist",
      "Etsy listing image policy (photos of the item itself): https://www.etsy.com/legal/policy/listing-image-requirements/253962679005",
    ],
  },
  ebay: {
    id: "ebay",
    name: "eBay listing photo",
    summary: "The photo itself, 1600 px on the longest side, JPEG quality 90; no borders or marks",
    // eBay forbids added borders, text and watermarks: the photo is kept whole, never padded.
    removeBackground: false,
    frame: { kind: "photo", longestSide: 1600 },
    background: WHITE,
    shadow: null,
    output: { format: "jpeg", quality: 90 },
    accepts: {
      formats: ["jpeg", "png"],
      minLongestSide: 500,
      maxBytes: 12 * MB,
      noBorders: true,
    },
    sources: [
      "eBay picture policy (at least 500 px on the longest side; no added borders, text or watermarks): https://www.ebay.com/help/policies/listing-policies/picture-policy?id=4370",
      "eBay recommendations (at least 1000 px on the longest side; JPEG quality 90 or more): https://developer.ebay.com/support/kb-article?KBid=1489",
      "1,600 × 1,600 px recommended; files up to 12 MB: https://plomz.com/guide/ebay-image-requirements-for-sellers-2026",
    ],
  },
  temu: {
    id: "temu",
    name: "Temu product image",
    summary:
      "1600 × 1600 JPEG on white, product filling the frame with ~100 px margins, under 2 MB",
    removeBackground: true,
    // 1:1, 1,600 × 1,600 recommended (800 × 800 minimum); the product's longest side fills the
    // frame with about 100 px of margin (1400 / 1600 = 0.875); a white-background image helps
    // with platform campaigns.
    frame: { kind: "canvas", width: 1600, height: 1600, fill: 0.875 },
    background: WHITE,
    shadow: null,
    output: { format: "jpeg", quality: 90 },
    accepts: { formats: ["jpeg", "png"], square: true, minLongestSide: 800, maxBytes: 2 * MB },
    sources: [
      "Temu main image rules (1:1, 1600 × 1600 recommended, at least 800 × 800, JPG/PNG, 2 MB maximum, ~100 px margins): https://caishen.com/baike/5457.html",
      "Temu image rules (single image at most 2 MB): https://www.chwang.com/article/182326793106",
    ],
  },
  shopify: {
    id: "shopify",
    name: "Shopify product image",
    summary: "2048 × 2048 JPEG, product on white with a soft shadow",
    removeBackground: true,
    frame: { kind: "canvas", width: 2048, height: 2048, fill: 0.88 },
    background: WHITE,
    shadow: SOFT_SHADOW,
    output: { format: "jpeg", quality: 90 },
    // PNG, GIF or JPG; at most 4472 × 4472 px or 20 megapixels; 2048 × 2048 for square images.
    accepts: {
      formats: ["jpeg", "png", "webp"],
      maxWidth: 4472,
      maxHeight: 4472,
      maxPixels: 20_000_000,
      maxBytes: 20 * MB,
    },
    sources: [
      "Shopify product media (maximum 4472 × 4472 px or 20 megapixels; 2048 × 2048 px for square images): https://shopify.dev/docs/apps/build/online-store/product-media",
      "Shopify upload limit of 20 MB per image: https://www.pixfocal.com/guides/shopify-product-image-size",
    ],
  },
  "social-square": {
    id: "social-square",
    name: "Social square post",
    summary: "1080 × 1080 JPEG (Instagram feed), product on white with a soft shadow",
    removeBackground: true,
    frame: { kind: "canvas", width: 1080, height: 1080, fill: 0.8 },
    background: WHITE,
    shadow: SOFT_SHADOW,
    output: { format: "jpeg", quality: 90 },
    accepts: { formats: ["jpeg", "png"], square: true, maxBytes: 8 * MB },
    sources: [
      "Instagram feed square 1080 × 1080 (images are shown at most 1080 px wide): https://recurpost.com/blog/instagram-post-size-guide",
      "Instagram photo posts up to 8 MB: https://www.picovert.com/en/blog/image-size-for-instagram",
    ],
  },
  "social-story": {
    id: "social-story",
    name: "Social story",
    summary: "1080 × 1920 JPEG (9:16 stories and reels covers), product on white",
    removeBackground: true,
    frame: { kind: "canvas", width: 1080, height: 1920, fill: 0.8 },
    background: WHITE,
    shadow: SOFT_SHADOW,
    output: { format: "jpeg", quality: 90 },
    accepts: { formats: ["jpeg", "png"], maxBytes: 30 * MB },
    sources: [
      "Instagram stories and reels 1080 × 1920 (9:16): https://recurpost.com/blog/instagram-post-size-guide",
      "Story images up to 30 MB: https://www.picovert.com/en/blog/image-size-for-instagram",
    ],
  },
};

export function isPresetId(value: string): value is PresetId {
  return (PRESET_IDS as readonly string[]).includes(value);
}

export function listPresets(): Preset[] {
  return PRESET_IDS.map((id) => PRESETS[id]);
}
