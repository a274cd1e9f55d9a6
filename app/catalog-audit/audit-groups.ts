/**
 * The catalog health audit's rules: which products fall in which defect group, and the score.
 * Pure and client-safe (the audit page reads the group wording), so the rules are tested without
 * a store and shown exactly as applied.
 *
 * Score (0–100): every product starts at 100 and loses each penalty below once per group it falls
 * in (not per image), down to 0; the catalog's score is the mean over its products, rounded. A
 * product without images scores 0. An empty catalog scores 100: nothing in it is wrong.
 */

export const AUDIT_GROUP_IDS = [
  "noImage",
  "fewImages",
  "below1000",
  "below2048",
  "nonWhite",
  "inconsistentAspect",
  "missingAlt",
  "oversized",
] as const;

export type AuditGroupId = (typeof AUDIT_GROUP_IDS)[number];

/** A group's one-click fix: a job from a solution on the new-job page, or the alt-text fill. */
export type AuditFix =
  { kind: "job"; solution: string; label: string } | { kind: "alt-text"; label: string };

export interface AuditGroupInfo {
  title: string;
  description: string;
  /** Points a product in the group loses (see the score above). */
  penalty: number;
  fix: AuditFix | null;
}

/** Images at least this long on their longest side are sharp on a marketplace's zoom. */
export const SHARP_SIDE = 2048;
/** Below this, most marketplaces refuse zoom, and Amazon suppresses the listing's zoom entirely. */
export const MIN_SIDE = 1000;
/** A file above this slows the product page; Shopify serves resized renditions, but the original
 * still costs storage and the first render. */
export const MAX_FILE_BYTES = 5_000_000;
/** Shopify's own limits for a product image (20 MP, 4472 px a side): beyond them is oversized. */
export const MAX_PIXELS = 20_000_000;
export const MAX_SIDE = 4472;
/** Two aspect ratios within 2% of each other are the same framing. */
const ASPECT_TOLERANCE = 0.02;
export const DEFAULT_MIN_IMAGES = 3;

export const AUDIT_GROUPS: Readonly<Record<AuditGroupId, AuditGroupInfo>> = {
  noImage: {
    title: "Products without images",
    description: "Shoppers rarely buy what they cannot see. Add photos in your Shopify admin.",
    penalty: 100,
    fix: null,
  },
  fewImages: {
    title: "Products with few images",
    description: "More angles and a lifestyle shot answer a shopper's questions.",
    penalty: 15,
    fix: { kind: "job", solution: "extra-scene", label: "Add a scene photo" },
  },
  below1000: {
    title: `Images under ${MIN_SIDE} px`,
    description: `Too small for zoom on most marketplaces; the longest side is under ${MIN_SIDE} px.`,
    penalty: 25,
    fix: { kind: "job", solution: "upscale-small", label: "Upscale 4×" },
  },
  below2048: {
    title: `Images under ${SHARP_SIDE} px`,
    description: `Between ${MIN_SIDE} and ${SHARP_SIDE - 1} px on the longest side: soft on large screens.`,
    penalty: 10,
    fix: { kind: "job", solution: "upscale-medium", label: "Upscale 2×" },
  },
  nonWhite: {
    title: "Backgrounds that are not white",
    description: "Amazon, Google Shopping and most marketplaces want a pure white main image.",
    penalty: 10,
    fix: { kind: "job", solution: "amazon-seller", label: "Make backgrounds white" },
  },
  inconsistentAspect: {
    title: "Mixed image shapes",
    description:
      "A product's images differ in shape from its most common one, so the gallery jumps.",
    penalty: 10,
    fix: { kind: "job", solution: "consistent-store", label: "Make shapes consistent" },
  },
  missingAlt: {
    title: "Images without alt text",
    description: "Screen readers and search engines need a description of each image.",
    penalty: 15,
    fix: { kind: "alt-text", label: "Fill missing alt text" },
  },
  oversized: {
    title: "Oversized files",
    description: `Files over ${MAX_FILE_BYTES / 1_000_000} MB (or beyond Shopify's 20 MP) slow your pages down.`,
    penalty: 10,
    fix: { kind: "job", solution: "consistent-store", label: "Resize and compress" },
  },
};

export interface AuditImage {
  mediaId: string;
  url: string;
  alt: string | null;
  width: number;
  height: number;
  /** The original file's size; null when Shopify did not say. */
  bytes: number | null;
  /** null: the background could not be looked at (not counted either way). */
  whiteBackground: boolean | null;
}

export interface AuditProduct {
  id: string;
  title: string;
  handle: string;
  images: AuditImage[];
}

export interface AuditExample {
  productId: string;
  mediaId: string;
  title: string;
  /** A small rendition of the image, for the page's thumbnails. */
  thumbnail: string;
}

export interface AuditGroupResult {
  /** Products in the group, in catalog order. */
  productIds: string[];
  /** Images that have the defect (0 for product-level groups: no image, few images). */
  imageCount: number;
  examples: AuditExample[];
}

export interface AuditResult {
  score: number;
  productCount: number;
  imageCount: number;
  /** Images whose background could not be checked this time. */
  uncheckedBackgrounds: number;
  minImages: number;
  groups: Record<AuditGroupId, AuditGroupResult>;
}

const EXAMPLES = 4;

const longestSide = (image: AuditImage) => Math.max(image.width, image.height);

/** The images of a product that differ in shape from its most common shape (first wins ties). */
function offAspectImages(images: AuditImage[]): AuditImage[] {
  const sized = images.filter((image) => image.width > 0 && image.height > 0);
  if (sized.length < 2) return [];
  const ratios = sized.map((image) => image.width / image.height);
  const same = (a: number, b: number) => Math.abs(a - b) / Math.max(a, b) <= ASPECT_TOLERANCE;
  let dominant = ratios[0]!;
  let best = 0;
  for (const ratio of ratios) {
    const count = ratios.filter((other) => same(ratio, other)).length;
    if (count > best) {
      best = count;
      dominant = ratio;
    }
  }
  return sized.filter((_image, index) => !same(ratios[index]!, dominant));
}

/** The images of a product that have the group's defect; for product-level groups, all or none. */
function defective(group: AuditGroupId, product: AuditProduct): AuditImage[] {
  const { images } = product;
  switch (group) {
    case "noImage":
    case "fewImages":
      return [];
    case "below1000":
      return images.filter((image) => longestSide(image) > 0 && longestSide(image) < MIN_SIDE);
    case "below2048":
      return images.filter(
        (image) => longestSide(image) >= MIN_SIDE && longestSide(image) < SHARP_SIDE,
      );
    case "nonWhite":
      return images.filter((image) => image.whiteBackground === false);
    case "inconsistentAspect":
      return offAspectImages(images);
    case "missingAlt":
      return images.filter((image) => !image.alt?.trim());
    case "oversized":
      return images.filter(
        (image) =>
          (image.bytes ?? 0) > MAX_FILE_BYTES ||
          image.width * image.height > MAX_PIXELS ||
          longestSide(image) > MAX_SIDE,
      );
  }
}

function inGroup(
  group: AuditGroupId,
  product: AuditProduct,
  minImages: number,
): AuditImage[] | null {
  if (group === "noImage") return product.images.length === 0 ? [] : null;
  if (group === "fewImages") {
    const count = product.images.length;
    return count > 0 && count < minImages ? [] : null;
  }
  const images = defective(group, product);
  return images.length > 0 ? images : null;
}

/**
 * Sorts the products into the groups and scores the catalog. `thumbnail` makes the small URL an
 * example shows (the server passes the CDN's resize; tests may pass the URL as it is).
 */
export function auditCatalog(
  products: AuditProduct[],
  options: { minImages?: number; thumbnail?: (url: string) => string } = {},
): AuditResult {
  const minImages = Math.max(1, Math.round(options.minImages ?? DEFAULT_MIN_IMAGES));
  const thumbnail = options.thumbnail ?? ((url: string) => url);
  const groups = Object.fromEntries(
    AUDIT_GROUP_IDS.map((id): [AuditGroupId, AuditGroupResult] => [
      id,
      { productIds: [], imageCount: 0, examples: [] },
    ]),
  ) as Record<AuditGroupId, AuditGroupResult>;
  let total = 0;
  for (const product of products) {
    let score = 100;
    for (const id of AUDIT_GROUP_IDS) {
      const images = inGroup(id, product, minImages);
      if (images === null) continue;
      const group = groups[id];
      group.productIds.push(product.id);
      group.imageCount += images.length;
      const shown = images.length > 0 ? images : product.images.slice(0, 1);
      for (const image of shown) {
        if (group.examples.length >= EXAMPLES) break;
        group.examples.push({
          productId: product.id,
          mediaId: image.mediaId,
          title: product.title,
          thumbnail: thumbnail(image.url),
        });
      }
      score -= AUDIT_GROUPS[id].penalty;
    }
    total += Math.max(0, score);
  }
  return {
    score: products.length === 0 ? 100 : Math.round(total / products.length),
    productCount: products.length,
    imageCount: products.reduce((sum, product) => sum + product.images.length, 0),
    uncheckedBackgrounds: products.reduce(
      (sum, product) =>
        sum + product.images.filter((image) => image.whiteBackground === null).length,
      0,
    ),
    minImages,
    groups,
  };
}
