/**
 * Where things live in object storage. Everything of a shop sits under one prefix,
 * `shops/<shop>/`, so shop/redact erases it with a single `deletePrefix`, and everything of a job
 * under `shops/<shop>/jobs/<jobId>/`:
 *
 *   shops/<shop>/jobs/<jobId>/items/<itemId>/original.<ext>
 *   shops/<shop>/jobs/<jobId>/items/<itemId>/variants/<variantId>.<ext>
 *
 * Keys are checked here, not only by a backend, so the same key is valid on local disk and on S3:
 * `/`-separated segments of [a-zA-Z0-9._-], none empty, none starting with a dot (no `.` or `..`,
 * and names starting with a dot are the backends' own, like temporary files).
 */
import { StorageError } from "./errors.ts";

const SEGMENT = /^[a-zA-Z0-9_-][a-zA-Z0-9._-]*$/;
/** Ids the app makes (cuids, numbers): no dots, so an id can never pose as an extension. */
const ID = /^[a-zA-Z0-9_-]{1,128}$/;
const EXTENSION = /^[a-z0-9]{1,8}$/;
/** A myshopify (or dev store) host name: dot-separated labels of letters, digits and hyphens. */
const SHOP = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** A media type as stored with an object ("image/jpeg"): type/subtype, no parameters or spaces. */
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i;
/** What `head` answers for an object stored without a type (by hand, or by an older version). */
export const DEFAULT_MEDIA_TYPE = "application/octet-stream";

/** S3's limit on a key; local disk is then well inside every file system's path limit. */
export const MAX_KEY_LENGTH = 1024;
const MAX_SEGMENT_LENGTH = 255;

function invalidKey(what: string, value: string): StorageError {
  return new StorageError(
    "invalid_key",
    `Photo Studio refused to store a file under an unsafe name (${what}: ${JSON.stringify(value.slice(0, 200))}).`,
    { retryable: false },
  );
}

/** Throws unless `key` names one object: see the rules at the top of this file. */
export function assertValidKey(key: string): void {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw invalidKey("key", String(key));
  }
  for (const segment of key.split("/")) {
    if (!SEGMENT.test(segment) || segment.length > MAX_SEGMENT_LENGTH) {
      throw invalidKey("key", key);
    }
  }
}

/**
 * Throws unless `prefix` is whole segments ending with `/` ("shops/a.myshopify.com/"): a prefix
 * cut mid-segment would mean "shop-1" also erases "shop-10" on S3, and the empty prefix would
 * erase every shop.
 */
export function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== "string" || !prefix.endsWith("/")) throw invalidKey("prefix", prefix);
  assertValidKey(prefix.slice(0, -1));
}

/**
 * The media type `put` stores, lowercased; throws for anything else. A type ends up in a header
 * (S3's Content-Type, the files route's answer), so a newline in it must never get that far.
 */
export function normalisedMediaType(contentType: string): string {
  if (typeof contentType !== "string" || !MEDIA_TYPE.test(contentType)) {
    throw new TypeError(`Not a media type: ${JSON.stringify(contentType)}`);
  }
  return contentType.toLowerCase();
}

/** The shop's own segment: its host name, lowercased; anything else is refused, never mangled. */
export function shopSegment(shop: string): string {
  const host = shop.trim().toLowerCase();
  if (!SHOP.test(host) || host.length > 253) throw invalidKey("shop", shop);
  return host;
}

function id(what: string, value: string): string {
  if (!ID.test(value)) throw invalidKey(what, value);
  return value;
}

function extension(value: string): string {
  const normalised = value.replace(/^\./, "").toLowerCase();
  if (!EXTENSION.test(normalised)) throw invalidKey("extension", value);
  return normalised;
}

/** Everything stored for a shop. */
export function shopPrefix(shop: string): string {
  return `shops/${shopSegment(shop)}/`;
}

/** Everything stored for one job of a shop. */
export function jobPrefix(shop: string, jobId: string): string {
  return `${shopPrefix(shop)}jobs/${id("job id", jobId)}/`;
}

/** Everything stored for one item (one source image) of a job. */
export function itemPrefix(shop: string, jobId: string, itemId: string): string {
  return `${jobPrefix(shop, jobId)}items/${id("item id", itemId)}/`;
}

/** The item's source image as downloaded from the store: what restore puts back. */
export function originalKey(shop: string, jobId: string, itemId: string, ext: string): string {
  return `${itemPrefix(shop, jobId, itemId)}original.${extension(ext)}`;
}

/** One generated result of an item; regenerating makes another variant, never overwrites one. */
export function variantKey(
  shop: string,
  jobId: string,
  itemId: string,
  variantId: string,
  ext: string,
): string {
  return `${itemPrefix(shop, jobId, itemId)}variants/${id("variant id", variantId)}.${extension(ext)}`;
}
