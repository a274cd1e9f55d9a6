/**
 * Smaller copies of stored images for the admin pages: a review grid of 100 full-size 2000 px
 * results would move hundreds of megabytes. Renditions are WebP, made on first request and kept
 * in storage beside their object, under its own prefix, so erasing a job or a shop erases them too:
 *
 *   shops/<shop>/jobs/<jobId>/items/<itemId>/original.jpg
 *   shops/<shop>/jobs/<jobId>/items/<itemId>/renditions/original.jpg.thumb.webp
 */
import sharp from "sharp";

import { DEFAULT_LIMITS } from "../images/limits.ts";

import { StorageNotFoundError } from "./errors.ts";
import { assertValidKey } from "./keys.ts";
import type { ObjectStorage } from "./object-storage.server.ts";

export const FILE_SIZES = ["thumb", "preview", "full"] as const;
export type FileSize = (typeof FILE_SIZES)[number];

/** The longest side of each rendition, in pixels; never enlarged beyond the stored image. */
export const RENDITION_PX: Record<Exclude<FileSize, "full">, number> = {
  thumb: 320,
  preview: 1200,
};

/** The stored bytes are not an image sharp can read (damaged, truncated, or not an image). */
export class RenditionError extends Error {
  override name = "RenditionError";
}

/** Where the `size` rendition of `key` is kept. */
export function renditionKey(key: string, size: Exclude<FileSize, "full">): string {
  assertValidKey(key);
  const slash = key.lastIndexOf("/");
  const folder = key.slice(0, slash + 1);
  const name = key.slice(slash + 1);
  const derived = `${folder}renditions/${name}.${size}.webp`;
  assertValidKey(derived);
  return derived;
}

/** Downscales `bytes` to WebP with the longest side at most `px` (orientation applied). */
export async function makeRendition(bytes: Buffer, px: number): Promise<Buffer> {
  try {
    return await sharp(bytes, {
      limitInputPixels: DEFAULT_LIMITS.maxPixels,
      failOn: "error",
      animated: false,
    })
      .rotate()
      .resize({ width: px, height: px, fit: "inside", withoutEnlargement: true })
      .webp({ quality: 82, effort: 2 })
      .toBuffer();
  } catch (error) {
    throw new RenditionError("The stored image could not be decoded", { cause: error });
  }
}

/**
 * The bytes to serve for `key` at `size`: the stored object as is for "full", otherwise its
 * rendition, made and stored on first use (and again when the object is newer than it).
 */
export async function readRendition(
  storage: ObjectStorage,
  key: string,
  size: FileSize,
): Promise<{ bytes: Buffer; contentType: string }> {
  assertValidKey(key);
  const source = await storage.head(key);
  if (!source) throw new StorageNotFoundError(key);
  if (size === "full") return { bytes: await storage.get(key), contentType: source.contentType };

  const derivedKey = renditionKey(key, size);
  const cached = await storage.head(derivedKey);
  if (cached && cached.modifiedAt >= source.modifiedAt) {
    try {
      return { bytes: await storage.get(derivedKey), contentType: "image/webp" };
    } catch (error) {
      // Erased between head and get (a retention sweep): make it again below.
      if (!(error instanceof StorageNotFoundError)) throw error;
    }
  }
  // A review page asks for a whole grid of thumbnails at once, often the same one twice (two
  // tabs, a reload): one decode per rendition, shared by everyone waiting for it.
  let pending = inFlight.get(derivedKey);
  if (!pending) {
    pending = (async () => {
      const bytes = await makeRendition(await storage.get(key), RENDITION_PX[size]);
      await storage.put(derivedKey, bytes, { contentType: "image/webp" });
      return bytes;
    })().finally(() => inFlight.delete(derivedKey));
    inFlight.set(derivedKey, pending);
  }
  return { bytes: await pending, contentType: "image/webp" };
}

const inFlight = new Map<string, Promise<Buffer>>();

/**
 * Makes the grid's thumbnail while the image's bytes are still in memory (when a job stores an
 * original or a result), so the review page's first view reads small files instead of decoding
 * every full-size image at once. A failure here only means the page makes it on demand.
 */
export async function prepareThumbnail(storage: ObjectStorage, key: string, bytes: Buffer) {
  try {
    const thumb = await makeRendition(bytes, RENDITION_PX.thumb);
    await storage.put(renditionKey(key, "thumb"), thumb, { contentType: "image/webp" });
  } catch {
    // Left to readRendition, which reports a broken image properly when a page asks for it.
  }
}
