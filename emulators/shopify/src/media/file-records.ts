/**
 * The life of a file record: created from a source (fileCreate, product media), its bytes replaced
 * in place (fileUpdate, duplicateResolutionMode REPLACE), and processed asynchronously. The
 * outcome of processing is decided when the bytes arrive and revealed when the file settles
 * (views.settle), as Shopify reports UPLOADED, then PROCESSING, then READY or FAILED.
 */
import { randomBytes, randomUUID } from "node:crypto";

import type { ResolverContext } from "../context.ts";
import { parseGid } from "../ids.ts";
import { runtimeFor } from "../runtime.ts";
import type { FileRecord } from "../state.ts";
import { fileError, notImplemented, type FileErrorRecord } from "./errors.ts";
import { inspectImage, isImageFacts } from "./image-check.ts";
import { MAX_GENERIC_FILE_BYTES } from "./limits.ts";
import { extensionOf, readSource } from "./sources.ts";

export type FileKind = FileRecord["kind"];

const IMAGE_EXTENSIONS = new Set([
  "jpg",
  "jpeg",
  "png",
  "gif",
  "webp",
  "heic",
  "heif",
  "avif",
  "tif",
  "tiff",
]);

/** MIME types by extension, for sources that do not declare one (a CDN URL, a failed download). */
const MIME_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  csv: "text/csv",
  txt: "text/plain",
  json: "application/json",
  jsonl: "application/jsonl",
  zip: "application/zip",
  svg: "image/svg+xml",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
};

/**
 * The kind of file an input makes: its contentType, or, when omitted, what the file name says
 * (Shopify determines it "during file processing"; the name is what the dev store goes by).
 */
export function kindFor(contentType: string | null | undefined, filename: string): FileKind {
  if (contentType === "IMAGE") return "MediaImage";
  if (contentType === "FILE") return "GenericFile";
  if (contentType) throw notImplemented(`files of content type ${contentType}`);
  return IMAGE_EXTENSIONS.has(extensionOf(filename)) ? "MediaImage" : "GenericFile";
}

/** What processing made of a source: the bytes and facts, or why it failed (and no bytes). */
export interface Ingested {
  bytes: Buffer | null;
  mimeType: string;
  width: number | null;
  height: number | null;
  errors: FileErrorRecord[];
  /** The name the source gives the file (a staged upload's filename, a URL's last segment). */
  sourceFilename: string;
}

export async function ingest(
  context: ResolverContext,
  url: URL,
  kind: FileKind,
): Promise<Ingested> {
  const source = await readSource(context, url);
  const outcome: Ingested = {
    bytes: source.ok ? source.bytes : null,
    mimeType:
      (source.ok && source.mimeType) ||
      (MIME_TYPES[extensionOf(source.filename)] ?? "application/octet-stream"),
    width: null,
    height: null,
    errors: [],
    sourceFilename: source.filename,
  };
  if (!source.ok) {
    const code = kind === "MediaImage" ? "IMAGE_DOWNLOAD_FAILURE" : "GENERIC_FILE_DOWNLOAD_FAILURE";
    return { ...outcome, errors: [fileError(code, source.details)] };
  }
  if (kind === "GenericFile") {
    if (source.bytes.length <= MAX_GENERIC_FILE_BYTES) return outcome;
    const details = `The file is ${source.bytes.length} bytes; files can be up to ${MAX_GENERIC_FILE_BYTES} bytes.`;
    return { ...outcome, bytes: null, errors: [fileError("GENERIC_FILE_INVALID_SIZE", details)] };
  }
  const facts = await inspectImage(source.bytes);
  // A file that fails processing keeps no bytes: there is nothing for the CDN to serve.
  if (!isImageFacts(facts)) return { ...outcome, bytes: null, errors: [facts] };
  return { ...outcome, ...facts };
}

/**
 * Starts processing: UPLOADED now, PROCESSING shortly after, done after the dev store's
 * processing delay.
 */
function startProcessing(context: ResolverContext, file: FileRecord) {
  const now = context.now().getTime();
  const delay = runtimeFor(context).devStore.processingDelayMs;
  file.status = "UPLOADED";
  file.processingStartsAt = new Date(now + Math.min(delay / 2, 100)).toISOString();
  file.readyAt = new Date(now + delay).toISOString();
  file.updatedAt = new Date(now).toISOString();
}

function storeBytes(context: ResolverContext, file: FileRecord, ingested: Ingested) {
  if (file.blobKey) context.store.deleteBlob(file.blobKey);
  file.blobKey = null;
  file.byteSize = 0;
  if (ingested.bytes) {
    const extension = extensionOf(file.filename);
    file.blobKey = `${randomBytes(12).toString("hex")}${extension ? `.${extension}` : ""}`;
    context.store.writeBlob(file.blobKey, ingested.bytes);
    file.byteSize = ingested.bytes.length;
  }
  file.mimeType = ingested.mimeType;
  file.width = ingested.width;
  file.height = ingested.height;
  file.errors = ingested.errors;
}

export function createFile(
  context: ResolverContext,
  options: { kind: FileKind; filename: string; alt: string; ingested: Ingested },
): FileRecord {
  const createdAt = context.now().toISOString();
  const file: FileRecord = {
    id: context.store.nextId(),
    kind: options.kind,
    filename: options.filename,
    alt: options.alt,
    mimeType: options.ingested.mimeType,
    blobKey: null,
    byteSize: 0,
    width: null,
    height: null,
    status: "UPLOADED",
    readyAt: null,
    errors: [],
    productIds: [],
    version: 1,
    createdAt,
    updatedAt: createdAt,
  };
  storeBytes(context, file, options.ingested);
  startProcessing(context, file);
  context.shop.files.push(file);
  context.store.changed();
  return file;
}

/** New bytes under the same id and URL path: the CDN's ?v= changes and the file is reprocessed. */
export function replaceContent(context: ResolverContext, file: FileRecord, ingested: Ingested) {
  storeBytes(context, file, ingested);
  file.version += 1;
  startProcessing(context, file);
  context.store.changed();
}

/** A file of this shop by its gid (gid://shopify/MediaImage/1, gid://shopify/GenericFile/2). */
export function findFileByGid(context: ResolverContext, id: unknown): FileRecord | undefined {
  const parsed = parseGid(id, "MediaImage", "GenericFile");
  if (!parsed) return undefined;
  return context.shop.files.find((file) => file.id === parsed.id && file.kind === parsed.type);
}

/** Whether another file of the shop already has this name (Files names are unique per shop). */
export function filenameTaken(context: ResolverContext, filename: string, exceptId?: number) {
  const wanted = filename.toLowerCase();
  return context.shop.files.some(
    (file) => file.id !== exceptId && file.filename.toLowerCase() === wanted,
  );
}

/** duplicateResolutionMode APPEND_UUID: "photo.jpg" becomes "photo_<uuid>.jpg". */
export function withUuid(filename: string) {
  const extension = extensionOf(filename);
  const base = extension ? filename.slice(0, -(extension.length + 1)) : filename;
  return `${base}_${randomUUID()}${extension ? filename.slice(base.length) : ""}`;
}

/** A name Shopify accepts for a file: not blank, no path separators. */
export function validFilename(filename: string) {
  return filename.trim() !== "" && !/[/\\]/.test(filename) && filename.length <= 255;
}
