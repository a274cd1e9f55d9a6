/**
 * What every retention rule shares: which items are off limits while they run, and how a stored
 * image goes (with its renditions, and never outside its shop's prefix).
 */
import { shopPrefix } from "../storage/keys.ts";
import type { ObjectStorage } from "../storage/object-storage.server.ts";
import { renditionKey } from "../storage/thumbnails.server.ts";

/** Item states whose files a running step may read or write at any moment. */
export const IN_FLIGHT_STATES = ["queued", "processing", "approved", "writing"] as const;

/** Deletes the object and the renditions kept beside it, all idempotently. */
export async function deleteStoredImage(storage: ObjectStorage, shop: string, key: string) {
  // A row of this shop pointing outside its prefix is never followed: no purge reaches another shop.
  if (!key.startsWith(shopPrefix(shop))) {
    throw new Error(`Refused to delete a file outside ${shop}'s storage`);
  }
  await storage.delete(key);
  await storage.delete(renditionKey(key, "thumb"));
  await storage.delete(renditionKey(key, "preview"));
}
