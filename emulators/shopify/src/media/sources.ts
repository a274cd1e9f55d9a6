/**
 * Reading a file's `originalSource`. Shopify downloads it during processing; the dev store works
 * offline, so it can read what it serves itself (staged uploads of this shop, its CDN's files) and
 * nothing else: any other URL fails to download, with a message that says why.
 */
import { parseCdnParams, renderCdnImage } from "../cdn.ts";
import type { ResolverContext } from "../context.ts";
import { findFile, shopNumber } from "../views.ts";
import { stagedObjectKey, stagedUploadBytes } from "./staged-targets.ts";

export type SourceRead =
  | { ok: true; bytes: Buffer; filename: string; mimeType: string | null }
  | { ok: false; filename: string; details: string };

/** An http(s) URL, or null: what Shopify accepts as an originalSource at all. */
export function parseSourceUrl(value: string | null | undefined): URL | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

/** The file name a URL ends with, as Shopify names a file created from it. */
export function filenameOfUrl(url: URL): string {
  const last = url.pathname.split("/").filter(Boolean).at(-1) ?? "";
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** "jpg" for "photo.JPG"; "" when the name has no extension. */
export function extensionOf(filename: string): string {
  const match = /\.([^./]+)$/.exec(filename);
  return match ? match[1]!.toLowerCase() : "";
}

const CDN_PATH = /^\/cdn\/shop\/files\/(\d+)\/(\d+)\/[^/]+$/;

async function readCdnFile(context: ResolverContext, url: URL): Promise<SourceRead | null> {
  const match = CDN_PATH.exec(url.pathname);
  if (!match) return null;
  const filename = filenameOfUrl(url);
  const file =
    Number(match[1]) === shopNumber(context.shop) ? findFile(context, Number(match[2])) : undefined;
  const bytes = file?.blobKey ? context.store.readBlob(file.blobKey) : null;
  if (!file || !bytes) {
    return { ok: false, filename, details: `${url} answers 404 Not Found.` };
  }
  // The URL may ask the CDN for a resized or converted copy; that copy is what gets downloaded.
  const rendered = await renderCdnImage(bytes, file.mimeType, parseCdnParams(url.searchParams));
  return { ok: true, bytes: rendered.body, filename, mimeType: rendered.contentType };
}

export async function readSource(context: ResolverContext, url: URL): Promise<SourceRead> {
  const filename = filenameOfUrl(url);
  if (stagedObjectKey(context, url) !== null) {
    const staged = stagedUploadBytes(context, url.toString());
    if (!staged) {
      return {
        ok: false,
        filename,
        details: `Nothing was uploaded to the staged target ${url} of this shop (or it expired).`,
      };
    }
    return {
      ok: true,
      bytes: staged.bytes,
      filename: staged.record.filename,
      mimeType: staged.record.mimeType,
    };
  }
  const cdn =
    new URL(context.publicUrl("/")).origin === url.origin && (await readCdnFile(context, url));
  if (cdn) return cdn;
  return {
    ok: false,
    filename,
    details: `The dev store works offline and cannot download ${url}; upload the file with stagedUploadsCreate and use its resourceUrl instead.`,
  };
}
