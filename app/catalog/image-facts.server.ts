/**
 * Facts about catalog images that the product filters need: whether an image has a white
 * background, which only its pixels can tell. Looking costs a download, so each answer is kept in
 * ImageFacts per shop and media id, and trusted only while the image's URL is the same: Shopify
 * gives a replaced file a new URL (its `?v=` changes), which makes the stored answer stale.
 *
 * Only a small rendition is downloaded (Shopify's CDN resizes on `width`), and only its border
 * is read: a product photo on white has a white frame around the product, whatever the product is.
 */
import type { PrismaClient } from "@prisma/client";
import sharp from "sharp";

import { downloadImage, type DownloadOptions } from "../shopify/image-download.server.ts";

/** Side of the rendition analysed; big enough for a border, small enough to be a few KB. */
export const ANALYSIS_WIDTH = 64;
/** Rows and columns of the rendition's edge that make up its border. */
const BORDER = 3;
/** A border pixel counts as white when every channel is at least this. */
const NEAR_WHITE = 235;
/** Share of border pixels that must be near white (a product may touch the edge a little). */
const WHITE_SHARE = 0.92;
/**
 * Most spread of brightness among the white border pixels: a plain white background is even
 * (JPEG noise, a little vignetting); textured paper or fabric is not. The pixels where the product
 * touches the edge are not white and so not counted here; WHITE_SHARE bounds them.
 */
const MAX_STDDEV = 6;

/** Images analysed at once for one page of products. */
const CONCURRENCY = 6;
const DOWNLOAD: DownloadOptions = { maxBytes: 2_000_000, timeoutMs: 10_000, retries: 1 };

export interface ImageRef {
  productId: string;
  mediaId: string;
  /** The image's URL as the Admin API gives it (no transform). */
  url: string;
  width: number | null;
  height: number | null;
}

export interface ImageFact {
  mediaId: string;
  width: number;
  height: number;
  /** null: the image could not be looked at just now (not cached, asked again next time). */
  whiteBackground: boolean | null;
}

export interface ImageFactsDeps {
  db: PrismaClient;
  download?: (url: string, options: DownloadOptions) => Promise<Buffer>;
}

/** The CDN's small rendition of an image: Shopify's CDN resizes on the `width` parameter. */
export function renditionUrl(url: string, width = ANALYSIS_WIDTH): string {
  const target = new URL(url);
  target.searchParams.set("width", String(width));
  target.searchParams.delete("height");
  return target.toString();
}

/**
 * Whether an image's border is a plain near-white: most border pixels near white, and those
 * even. Transparent borders count as not white: marketplaces ask for white pixels, and a
 * transparent PNG shows whatever is behind it.
 */
export async function hasWhiteBorder(bytes: Buffer): Promise<boolean> {
  const { data, info } = await sharp(bytes, { limitInputPixels: 40_000_000 })
    .rotate()
    .resize({ width: ANALYSIS_WIDTH, height: ANALYSIS_WIDTH, fit: "fill" })
    .flatten({ background: "#000000" })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  let pixels = 0;
  let white = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const onBorder = x < BORDER || y < BORDER || x >= width - BORDER || y >= height - BORDER;
      if (!onBorder) continue;
      const offset = (y * width + x) * channels;
      const r = data[offset]!;
      const g = data[offset + 1] ?? r;
      const b = data[offset + 2] ?? r;
      pixels += 1;
      if (Math.min(r, g, b) < NEAR_WHITE) continue;
      const brightness = (r + g + b) / 3;
      white += 1;
      sum += brightness;
      sumSquares += brightness * brightness;
    }
  }
  if (white === 0) return false;
  const mean = sum / white;
  const stddev = Math.sqrt(Math.max(0, sumSquares / white - mean * mean));
  return white / pixels >= WHITE_SHARE && stddev <= MAX_STDDEV;
}

async function analyse(deps: ImageFactsDeps, shop: string, image: ImageRef): Promise<ImageFact> {
  const download = deps.download ?? downloadImage;
  let whiteBackground: boolean | null;
  try {
    whiteBackground = await hasWhiteBorder(await download(renditionUrl(image.url), DOWNLOAD));
  } catch {
    // An image the CDN will not serve right now, or bytes sharp cannot read: unknown, and the
    // filter says so rather than guessing.
    whiteBackground = null;
  }
  const fact = {
    mediaId: image.mediaId,
    width: image.width ?? 0,
    height: image.height ?? 0,
    whiteBackground,
  };
  if (whiteBackground !== null) {
    const data = {
      productId: image.productId,
      sourceUrl: image.url,
      width: fact.width,
      height: fact.height,
      whiteBackground,
      analyzedAt: new Date(),
    };
    await deps.db.imageFacts.upsert({
      where: { shop_mediaId: { shop, mediaId: image.mediaId } },
      create: { shop, mediaId: image.mediaId, ...data },
      update: data,
    });
  }
  return fact;
}

/**
 * Facts for the given images of one shop, by media id: from the cache where the image is
 * unchanged, otherwise by looking at its pixels (a few at a time).
 */
export async function imageFacts(
  deps: ImageFactsDeps,
  shop: string,
  images: ImageRef[],
): Promise<Map<string, ImageFact>> {
  const facts = new Map<string, ImageFact>();
  if (images.length === 0) return facts;
  const cached = await deps.db.imageFacts.findMany({
    where: { shop, mediaId: { in: images.map((image) => image.mediaId) } },
  });
  const byMedia = new Map(cached.map((row) => [row.mediaId, row]));
  const stale: ImageRef[] = [];
  for (const image of images) {
    const row = byMedia.get(image.mediaId);
    if (row && row.sourceUrl === image.url) {
      facts.set(image.mediaId, {
        mediaId: image.mediaId,
        width: image.width ?? row.width,
        height: image.height ?? row.height,
        whiteBackground: row.whiteBackground,
      });
    } else {
      stale.push(image);
    }
  }
  for (let start = 0; start < stale.length; start += CONCURRENCY) {
    const batch = stale.slice(start, start + CONCURRENCY);
    for (const fact of await Promise.all(batch.map((image) => analyse(deps, shop, image)))) {
      facts.set(fact.mediaId, fact);
    }
  }
  return facts;
}
