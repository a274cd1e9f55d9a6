/**
 * Signed links to stored images for the studio's pages. Links expire at the end of a half-hour
 * bucket rather than an hour after each request: a page that revalidates (after an action, on
 * focus) then gets the same `src` for every image, so the browser keeps what it already decoded
 * instead of fetching 100 thumbnails again and shifting the grid.
 */
import { signedFileUrl } from "~/storage/signed-url.server";

const BUCKET_SECONDS = 30 * 60;

/** Seconds until the end of the next bucket: between 30 and 60 minutes. */
export function bucketedTtl(nowMs = Date.now()): number {
  const now = Math.floor(nowMs / 1000);
  return (Math.floor(now / BUCKET_SECONDS) + 2) * BUCKET_SECONDS - now;
}

export type ImageSize = "thumb" | "preview" | "full";

export function imageLink(shop: string, key: string, size: ImageSize, nowMs = Date.now()) {
  return signedFileUrl(shop, key, { size, ttlSeconds: bucketedTtl(nowMs), now: new Date(nowMs) });
}
