/**
 * Signed links to stored files: how the admin pages show originals and results without making
 * storage public. An <img> inside the admin iframe sends no session token, so the link itself is
 * the permission: it names the shop, the object and the size, expires, and is signed with a key
 * only this app holds.
 *
 *   /files/<payload>.<signature>
 *   payload   = base64url("2:" expiry ":" size ":" shop ":" key)
 *   signature = base64url(HMAC-SHA256(fileLinkKey, payload))
 *
 * with the expiry in Unix seconds, base 36; the size's first letter (t, p or f); the shop without
 * its ".myshopify.com" (a shop name has a dot otherwise); and the key as "~" and the rest after
 * the shop's own prefix `shops/<shop>/`, or "=" and the whole key. A review page carries about 150
 * links, twice (in its HTML and in its data): the earlier JSON payload, which spelled out the shop
 * twice, made them a third longer. Version 1 links (base64url of JSON {v, s, k, z, e}) are still
 * accepted until they expire.
 *
 * The signing key is derived (HKDF) from the app's client secret rather than being the secret
 * itself, so a link never helps anyone forge a session token or a webhook, which the secret signs.
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

import { getEnv } from "../env.server.ts";

import { assertValidKey, shopPrefix, shopSegment } from "./keys.ts";
import type { ObjectStorage } from "./object-storage.server.ts";
import { StorageError } from "./errors.ts";
import { FILE_SIZES, RenditionError, readRendition, type FileSize } from "./thumbnails.server.ts";

export { FILE_SIZES, type FileSize } from "./thumbnails.server.ts";

/** The path the files route answers on (app/routes/files.$token.tsx). */
export const FILE_ROUTE = "/files/";

/** The lives a caller may ask for a link (FILE_LINK_TTL_SECONDS is held to 60 s to a day). */
export const MIN_TTL_SECONDS = 1;
export const MAX_TTL_SECONDS = 86_400;

const TOKEN_VERSION = 2;
const LEGACY_TOKEN_VERSION = 1;
const MYSHOPIFY = ".myshopify.com";
const SIGNATURE_BYTES = 32;
// Tokens longer than this are refused before any parsing (keys are at most 1,024 characters).
const MAX_TOKEN_LENGTH = 2_048;

export interface FileLinkClaims {
  shop: string;
  key: string;
  size: FileSize;
  /** Unix seconds after which the link is refused. */
  expiresAt: number;
}

export interface SignOptions {
  size?: FileSize;
  /** Default: FILE_LINK_TTL_SECONDS (one hour). */
  ttlSeconds?: number;
  /** The clock (tests). */
  now?: Date;
  /** The app's client secret; default getEnv().apiSecret (tests pass their own). */
  secret?: string;
}

const derivedKeys = new Map<string, Buffer>();

function fileLinkKey(secret: string): Buffer {
  let key = derivedKeys.get(secret);
  if (!key) {
    key = Buffer.from(
      hkdfSync("sha256", secret, "photo-studio", "photo-studio file links v1", SIGNATURE_BYTES),
    );
    derivedKeys.clear();
    derivedKeys.set(secret, key);
  }
  return key;
}

function sign(payload: string, secret: string): Buffer {
  return createHmac("sha256", fileLinkKey(secret)).update(payload).digest();
}

/**
 * A signed token for exactly these claims. Callers want `signedFileUrl`, which also checks that
 * the key belongs to the shop; this one signs whatever it is given (tests forge links with it).
 */
export function signFileToken(claims: FileLinkClaims, secret: string): string {
  const payload = Buffer.from(encodeClaims(claims)).toString("base64url");
  return `${payload}.${sign(payload, secret).toString("base64url")}`;
}

function encodeClaims({ shop, key, size, expiresAt }: FileLinkClaims): string {
  const name = shop.slice(0, -MYSHOPIFY.length);
  const shopField = shop.endsWith(MYSHOPIFY) && !name.includes(".") ? name : shop;
  const prefix = `shops/${shop}/`;
  const keyField = key.startsWith(prefix) ? `~${key.slice(prefix.length)}` : `=${key}`;
  return [TOKEN_VERSION, expiresAt.toString(36), size.charAt(0), shopField, keyField].join(":");
}

/** The claims of a version 2 payload, or null; the key is everything after the fourth colon. */
function decodeClaims(text: string): FileLinkClaims | null {
  const match = /^2:([0-9a-z]{1,11}):([tpf]):([^:]+):([~=])([\s\S]*)$/.exec(text);
  if (!match) return null;
  const [, expiry = "", sizeLetter, shopField = "", keyKind, keyField = ""] = match;
  const size = FILE_SIZES.find((name) => name.charAt(0) === sizeLetter);
  const expiresAt = parseInt(expiry, 36);
  if (!size || !Number.isSafeInteger(expiresAt)) return null;
  const shop = shopField.includes(".") ? shopField : `${shopField}${MYSHOPIFY}`;
  const key = keyKind === "~" ? `shops/${shop}/${keyField}` : keyField;
  return { shop, key, size, expiresAt };
}

/**
 * "/files/<token>": a link to `key` of `shop` at `size` (thumb ≈ 320 px WebP, preview ≈ 1200 px
 * WebP, full: the stored bytes), valid for `ttlSeconds`. Throws for a key outside the shop's
 * storage, which is a bug in the caller, never something to hand to a browser.
 */
export function signedFileUrl(shop: string, key: string, options: SignOptions = {}): string {
  const size = options.size ?? "full";
  if (!FILE_SIZES.includes(size)) throw new RangeError(`Unknown file size "${String(size)}"`);
  const ttl = options.ttlSeconds ?? getEnv().fileLinkTtlSeconds;
  if (!Number.isInteger(ttl) || ttl < MIN_TTL_SECONDS || ttl > MAX_TTL_SECONDS) {
    throw new RangeError(
      `A file link lives ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS} seconds, not ${ttl}`,
    );
  }
  if (!isInsideShop(shop, key)) {
    throw new StorageError("invalid_key", "Photo Studio refused to link to this file.", {
      retryable: false,
    });
  }
  const now = options.now ?? new Date();
  const expiresAt = Math.floor(now.getTime() / 1000) + ttl;
  const token = signFileToken(
    { shop: shopSegment(shop), key, size, expiresAt },
    options.secret ?? getEnv().apiSecret,
  );
  return `${FILE_ROUTE}${token}`;
}

/**
 * True when `key` is a valid key (no "..", no empty segments) naming an object under the shop's
 * own prefix. A prefix test alone would let "shops/<shop>/../<other shop>/…" through.
 */
export function isInsideShop(shop: string, key: string): boolean {
  try {
    assertValidKey(key);
    const prefix = shopPrefix(shop);
    return key.startsWith(prefix) && key.length > prefix.length;
  } catch {
    return false;
  }
}

export type VerifyResult =
  | { ok: true; claims: FileLinkClaims }
  | { ok: false; reason: "malformed" | "bad_signature" | "expired" | "foreign_key" };

/**
 * Checks a token: signature first (in constant time, before the payload is trusted), then its
 * shape, expiry, and that the key lies in the shop's storage. The reason is for tests and logs;
 * a browser is told only that the link does not work.
 */
export function verifyFileToken(
  token: string,
  { secret, now = new Date() }: { secret: string; now?: Date },
): VerifyResult {
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: "malformed" };
  }
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: "malformed" };
  const payload = match[1]!;
  const signature = match[2]!;
  const given = Buffer.from(signature, "base64url");
  const expected = sign(payload, secret);
  // base64url allows two spellings of the last character; re-encoding closes that door, so a
  // changed character in the signature is always a different signature.
  if (
    given.length !== expected.length ||
    given.toString("base64url") !== signature ||
    !timingSafeEqual(given, expected)
  ) {
    return { ok: false, reason: "bad_signature" };
  }

  const text = Buffer.from(payload, "base64url").toString("utf8");
  let claims: FileLinkClaims | null;
  if (text.startsWith("{")) {
    try {
      claims = parseLegacyClaims(JSON.parse(text));
    } catch {
      return { ok: false, reason: "malformed" };
    }
  } else {
    claims = decodeClaims(text);
  }
  if (!claims) return { ok: false, reason: "malformed" };
  if (Math.floor(now.getTime() / 1000) >= claims.expiresAt) return { ok: false, reason: "expired" };
  if (!isInsideShop(claims.shop, claims.key)) return { ok: false, reason: "foreign_key" };
  return { ok: true, claims };
}

/** A version 1 payload: JSON {v, s: shop, k: key, z: size, e: expiry in Unix seconds}. */
function parseLegacyClaims(body: unknown): FileLinkClaims | null {
  if (typeof body !== "object" || body === null) return null;
  const { v, s, k, z, e } = body as Record<string, unknown>;
  if (v !== LEGACY_TOKEN_VERSION || typeof s !== "string" || typeof k !== "string") return null;
  if (typeof z !== "string" || !FILE_SIZES.includes(z as FileSize)) return null;
  if (typeof e !== "number" || !Number.isInteger(e)) return null;
  return { shop: s, key: k, size: z as FileSize, expiresAt: e };
}

const SAFE_IMAGE_TYPES = new Set([
  "image/jpeg",
  "image/png",
  "image/webp",
  "image/gif",
  "image/avif",
]);

/** Every answer of the files route: nothing in it may run, be sniffed or be framed. */
const BASE_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
};

function refusal(status: 403 | 404 | 422 | 500 | 503, message: string): Response {
  return new Response(message, {
    status,
    headers: {
      ...BASE_HEADERS,
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "no-store",
    },
  });
}

// One message for every refused link: a browser learns neither why nor whether the file exists.
const REFUSED =
  "This link does not work: it has expired or is not valid. Reload the page for a new one.";

export interface ServeDeps {
  storage: ObjectStorage;
  secret: string;
  now?: Date;
}

/**
 * The files route's answer for a token: the object (or its rendition) with private, expiring
 * caching, or a refusal in plain words. Expected failures are answers, never thrown.
 */
export async function serveSignedFile(
  request: Request,
  token: string,
  deps: ServeDeps,
): Promise<Response> {
  const now = deps.now ?? new Date();
  const verified = verifyFileToken(token, { secret: deps.secret, now });
  if (!verified.ok) return refusal(403, REFUSED);
  const { key, size, expiresAt } = verified.claims;

  let file: { bytes: Buffer; contentType: string };
  try {
    file = await readRendition(deps.storage, key, size);
  } catch (error) {
    if (error instanceof RenditionError) {
      return refusal(422, "This image could not be shown: its stored file is damaged.");
    }
    if (error instanceof StorageError && error.code === "not_found") {
      return refusal(404, "Photo Studio no longer has this file.");
    }
    if (error instanceof StorageError && error.code === "invalid_key") {
      return refusal(403, REFUSED);
    }
    console.error("[photo-studio] a signed file could not be read", {
      code: error instanceof StorageError ? error.code : undefined,
      error: error instanceof Error ? error.message : String(error),
    });
    return refusal(503, "Photo Studio could not read this file just now. Try again shortly.");
  }

  const contentType = SAFE_IMAGE_TYPES.has(file.contentType)
    ? file.contentType
    : "application/octet-stream";
  const etag = `"${createHash("sha256").update(file.bytes).digest("base64url").slice(0, 32)}"`;
  const secondsLeft = Math.max(0, expiresAt - Math.floor(now.getTime() / 1000));
  const headers: Record<string, string> = {
    ...BASE_HEADERS,
    "Content-Type": contentType,
    "Cache-Control": `private, max-age=${secondsLeft}`,
    ETag: etag,
  };
  if (contentType === "application/octet-stream") headers["Content-Disposition"] = "attachment";

  if (matchesEtag(request.headers.get("If-None-Match"), etag)) {
    return new Response(null, { status: 304, headers });
  }
  headers["Content-Length"] = String(file.bytes.length);
  return new Response(request.method === "HEAD" ? null : new Uint8Array(file.bytes), {
    status: 200,
    headers,
  });
}

function matchesEtag(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === etag || tag === "*");
}
