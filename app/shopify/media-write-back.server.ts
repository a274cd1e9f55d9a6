/**
 * Writing an approved image to a Shopify product, and putting the original back, so that a crash
 * at any point can be resumed without a second copy on the product and no variant is ever left
 * without its image.
 *
 * - Same format, replacing: the original media takes the new bytes in place (fileUpdate with
 *   originalSource), keeping its id, URL and variant links. This is the common case of a bulk job
 *   and is kept to a few points of Shopify's query cost: a read of where the original sits, and
 *   the upload target, the fileUpdate and the READY polls shared with the other write-backs
 *   running at the same time (product-media.server.ts, staged-upload.server.ts). Should Shopify
 *   fail the new bytes, the original is made again from our copy, in its place and with its
 *   variant images, as a new media.
 * - Another format (Shopify keeps a file's extension), or adding: a new media, attached once
 *   Shopify reports it READY, moved into place, given the original's variant images, and only then
 *   the original is taken off the product (it stays in Files, for restoring).
 *
 * Every call takes a journal: its progress says what is done already, and `save` is called after
 * each step that changed the store, before the next one (and before a fileUpdate that replaces
 * bytes, so a resumed write knows it may have gone out). A new file is named after the write
 * (`photo-studio-<writeBackId>.<ext>`), so a retry that crashed before saving finds it in Files
 * instead of creating another. The caller holds the product's lock for the whole call.
 * https://shopify.dev/docs/apps/build/online-store/product-media
 */
import sharp from "sharp";

import { sleep } from "../ai/concurrency.ts";

import type { AdminClient } from "./admin-types.ts";
import {
  changeVariantImages,
  createMediaFile,
  deleteMediaFiles,
  findMediaFilesNamed,
  readMediaFile,
  readMediaOrder,
  readMediaPlacement,
  readProductMedia,
  readVariantMediaLinks,
  reorderMedia,
  untilNextPoll,
  updateMediaFile,
  waitForFileProcessed,
  waitForJob,
  type FileState,
  type MediaFileUpdate,
  type MediaPlacement,
  type ProductMediaState,
  type ShopifyUserError,
  type VariantImageChange,
  type VariantMediaLinks,
  type WaitOptions,
} from "./product-media.server.ts";
import { stageUpload, StagedUploadError } from "./staged-upload.server.ts";

/** Shopify's limits on product media. https://shopify.dev/docs/apps/build/online-store/product-media */
export const MEDIA_LIMITS = {
  mediaPerProduct: 250,
  imageBytes: 20 * 1024 * 1024,
  /** "4472 x 4472 px, or 20 megapixels": an area. */
  imagePixels: 20_000_000,
  altLength: 512,
} as const;

/** Raster formats Shopify takes as product images, by sharp's format name. */
const SHOPIFY_IMAGE_FORMATS = new Set(["jpeg", "png", "gif", "webp", "heif", "tiff"]);

export type WriteBackMode = "replace" | "add";
export type WriteBackMethod = "file-update" | "add-and-relink" | "add";

export interface ImageBytes {
  bytes: Uint8Array;
  mimeType: string;
  /** "jpg", "png"… without the dot. */
  extension: string;
}

export interface WriteBackRequest {
  /** Unique per write; names the files it creates, so a retry finds them. */
  writeBackId: string;
  productId: string;
  originalMediaId: string;
  mode: WriteBackMode;
  image: ImageBytes;
  /** The new image's alt text; null keeps the original's (and leaves an added image without). */
  alt: string | null;
  /**
   * The name of the file it uploads, without extension (an SEO name: app/shopify/seo-file-name.ts);
   * unique to this write, the same on every retry, since a retry finds its file by this name.
   * Without it, files are named after the write's id.
   */
  fileStem?: string;
  /** Where an added image goes (zero-based); right after the original by default. */
  position?: number;
  /** The original's bytes from our storage, to put it back if Shopify fails the new image. */
  original: () => Promise<ImageBytes>;
}

/**
 * The product's media as they were before the write: what restoring returns to. An in-place
 * replace (file-update) changes neither the media nor the variant links, so it records only the
 * original; should it have to undo, it records then the variants that show the original (the
 * original, failed, still has them).
 */
export interface MediaSnapshot {
  media?: Array<{ id: string; alt: string | null }>;
  variants?: VariantMediaLinks[];
  original: {
    id: string;
    position: number;
    alt: string | null;
    extension: string | null;
    mimeType: string | null;
  };
}

/**
 * Steps in the order they happen. file-update: planned, created (the new bytes are staged and the
 * fileUpdate may go out from here on), applied, done. add: planned, created, attached, placed,
 * done. add-and-relink adds relinked before done. rolled_back: Shopify failed the image and
 * everything was undone.
 */
export type WriteBackStep =
  "planned" | "created" | "attached" | "placed" | "relinked" | "applied" | "done" | "rolled_back";

const STEP_ORDER: WriteBackStep[] = [
  "planned",
  "created",
  "attached",
  "placed",
  "relinked",
  "applied",
  "done",
];

export interface WriteBackProgress {
  version: 1;
  step: WriteBackStep;
  method: WriteBackMethod;
  snapshot: MediaSnapshot;
  /** Where the new media goes (add methods), zero-based. */
  position: number;
  /**
   * A file-update that makes no file of its own. Without it, a file-update journal comes from an
   * earlier version, which first made a copy in Files (createdFileId, or unrecorded under the
   * write's name) and is to delete it.
   */
  inPlace?: true;
  /** The file this write created: the new media (add methods). */
  createdFileId?: string;
  /** The name its files carry (WriteBackRequest.fileStem); journals without one use the id. */
  fileStem?: string;
  /** The undo of a file-update whose new bytes Shopify failed after all. */
  rollback?: RestoreProgress;
}

export interface Journal<P> {
  /** What an earlier attempt saved; null on the first attempt. */
  progress: P | null;
  /** Persists the progress; must be durable before it resolves. */
  save(progress: P): Promise<void>;
}

export interface WriteBackResult {
  method: WriteBackMethod;
  /** The media that shows the new image: the original's id for file-update. */
  newMediaId: string;
  progress: WriteBackProgress;
}

export interface RestoreRequest {
  writeBackId: string;
  productId: string;
  originalMediaId: string;
  method: WriteBackMethod;
  /** The write's progress, with its snapshot. */
  progress: WriteBackProgress | null;
  original: () => Promise<ImageBytes>;
}

/**
 * reattached: the original's bytes (file-update) or the original media (add-and-relink) are back
 * on the product; then placed, relinked, cleaned (the write's files deleted), done.
 */
export type RestoreStep = "started" | "reattached" | "placed" | "relinked" | "cleaned" | "done";

const RESTORE_ORDER: RestoreStep[] = [
  "started",
  "reattached",
  "placed",
  "relinked",
  "cleaned",
  "done",
];

export interface RestoreProgress {
  version: 1;
  step: RestoreStep;
  /**
   * The media showing the original again: its own id, or a new one when the original had to be
   * made again from our copy (deleted from Files, or broken by Shopify).
   */
  restoredMediaId: string;
  /**
   * The variants that showed the original, read before it is made again when the write recorded
   * none (an in-place write); from then on the original may lose them.
   */
  variants?: VariantMediaLinks[];
}

export interface RestoreResult {
  restoredMediaId: string;
  progress: RestoreProgress;
}

export interface WriteBackOptions {
  signal?: AbortSignal;
  /** Pause between two looks at a file or job Shopify is processing. */
  pollMs?: number;
  /** How long to wait for Shopify to process an image before handing back a retryable error. */
  processingTimeoutMs?: number;
  /** How long to wait for a reorder job. */
  reorderTimeoutMs?: number;
  /** The fetch for staged uploads (tests make it fail). */
  uploadFetch?: typeof fetch;
}

/** A write-back failure: a message for the merchant, a code, and whether trying again may help. */
export class WriteBackError extends Error {
  override name = "WriteBackError";
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
  constructor(
    code: string,
    message: string,
    retryable: boolean,
    options?: { cause?: unknown; details?: Record<string, string | number | boolean | null> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = retryable;
    this.details = options?.details ?? {};
  }
}

const productGone = () =>
  new WriteBackError(
    "product_not_found",
    "This product no longer exists in your Shopify store, so Photo Studio can't change its images.",
    false,
  );

const originalGone = () =>
  new WriteBackError(
    "media_not_found",
    "The product's original image was removed in Shopify, so Photo Studio can't replace it. Choose the image again from the product.",
    false,
  );

const mediaGone = () =>
  new WriteBackError(
    "media_not_found",
    "An image of this product was removed in Shopify while Photo Studio was working on it. Check the product in Shopify, then try again.",
    false,
  );

const notAnImage = () =>
  new WriteBackError(
    "media_not_image",
    "The chosen media is a video or 3D model, not an image, so Photo Studio can't replace it.",
    false,
  );

// Shopify refuses to update a FAILED file, and the merchant sees a broken image already.
const originalBroken = (file: { errors: FileState["errors"] }) =>
  new WriteBackError(
    "media_processing_failed",
    "Shopify could not process the product's original image, so Photo Studio can't replace it. Replace or remove that image in Shopify, then try again.",
    false,
    { details: { shopifyCodes: file.errors.map((error) => error.code).join(",") } },
  );

const stillProcessing = () =>
  new WriteBackError(
    "media_still_processing",
    "Shopify is still processing the image. Photo Studio will check again shortly.",
    true,
  );

/** Shopify's userErrors of the media mutations, in words a merchant can act on. */
function userErrorsToWriteBackError(errors: ShopifyUserError[]): WriteBackError {
  const codes = new Set(errors.map((error) => error.code));
  const details = { shopifyCodes: errors.map((error) => error.code ?? "").join(",") };
  if (codes.has("PRODUCT_DOES_NOT_EXIST") || codes.has("REFERENCE_TARGET_DOES_NOT_EXIST")) {
    return productGone();
  }
  if (
    codes.has("FILE_DOES_NOT_EXIST") ||
    codes.has("MEDIA_DOES_NOT_EXIST") ||
    codes.has("MEDIA_DOES_NOT_EXIST_ON_PRODUCT")
  ) {
    return mediaGone();
  }
  if (codes.has("PRODUCT_MEDIA_LIMIT_EXCEEDED")) return mediaLimitReached();
  if (codes.has("PRODUCT_SUSPENDED")) {
    return new WriteBackError(
      "product_suspended",
      "Shopify has suspended this product, so its images can't be changed.",
      false,
      { details },
    );
  }
  const busy = [
    "NON_READY_STATE",
    "NON_READY_MEDIA",
    "FILE_LOCKED",
    "MEDIA_CANNOT_BE_MODIFIED",
    "MEDIA_TIMEOUT_ERROR",
  ];
  if (busy.some((code) => codes.has(code))) {
    return new WriteBackError(
      "shopify_busy",
      "Shopify is still working on this product's images. Photo Studio will try again shortly.",
      true,
      { details },
    );
  }
  return new WriteBackError(
    "shopify_refused",
    `Shopify refused the change: ${errors.map((error) => error.message).join(" ")}`,
    false,
    { details },
  );
}

function mediaLimitReached() {
  return new WriteBackError(
    "media_limit_reached",
    `This product already has ${MEDIA_LIMITS.mediaPerProduct} images and videos, the most Shopify allows. Remove one in Shopify, or replace the image in its own format.`,
    false,
  );
}

/** Shopify's reason, as its processing errors give it. */
const reasonOf = (file: FileState) =>
  file.errors.map((error) => error.details || error.message).join(" ");

function processingFailed(file: FileState | null, restoredMediaId?: string) {
  const reason = file ? reasonOf(file) : "";
  return new WriteBackError(
    "media_processing_failed",
    `Shopify could not process the new image${reason ? `: ${reason}` : "."} The product was left as it was.`,
    false,
    {
      details: {
        shopifyCodes: (file?.errors ?? []).map((error) => error.code).join(","),
        // Set when the original had to be made again, under a new media id.
        restoredMediaId: restoredMediaId ?? null,
      },
    },
  );
}

function restoreFailed(file: FileState) {
  const reason = reasonOf(file);
  return new WriteBackError(
    "restore_failed",
    `Shopify could not process the original image while restoring it${reason ? `: ${reason}` : "."}`,
    false,
    { details: { shopifyCodes: file.errors.map((error) => error.code).join(",") } },
  );
}

interface Context {
  admin: AdminClient;
  options: WriteBackOptions;
  processing: WaitOptions;
  reorder: WaitOptions;
  uploadFetch?: typeof fetch;
  signal?: AbortSignal;
}

function contextFor(admin: AdminClient, options: WriteBackOptions): Context {
  const pollMs = options.pollMs ?? 1_000;
  return {
    admin,
    options,
    processing: {
      pollMs,
      timeoutMs: options.processingTimeoutMs ?? 120_000,
      signal: options.signal,
    },
    reorder: { pollMs, timeoutMs: options.reorderTimeoutMs ?? 60_000, signal: options.signal },
    uploadFetch: options.uploadFetch,
    signal: options.signal,
  };
}

/** "JPEG" → "jpg", "tif" → "tiff": one spelling per format, for comparing. */
function formatOf(extension: string | null | undefined): string | null {
  if (!extension) return null;
  const bare = extension.replace(/^\./, "").toLowerCase();
  return bare === "jpeg" ? "jpg" : bare === "tif" ? "tiff" : bare;
}

/** The safe stem of every file name a write creates: search syntax must not see it as operators. */
function fileStem(writeBackId: string) {
  return `photo-studio-${writeBackId.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

/** The name a write's files carry: the one its journal recorded when it was planned. */
function writeStem(writeBackId: string, progress: Pick<WriteBackProgress, "fileStem"> | null) {
  return progress?.fileStem ?? fileStem(writeBackId);
}

/** Files from our copy of an original carry another stem, so they are never taken for the write's. */
function restoreStem(writeBackId: string) {
  return `photo-studio-restore-${writeBackId.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

function clampAlt(alt: string): string {
  return alt.length > MEDIA_LIMITS.altLength ? alt.slice(0, MEDIA_LIMITS.altLength) : alt;
}

const sameAlt = (a: string | null | undefined, b: string | null | undefined) =>
  (a ?? "") === (b ?? "");

const reached = (step: WriteBackStep, wanted: WriteBackStep) =>
  STEP_ORDER.indexOf(step) >= STEP_ORDER.indexOf(wanted);

const restoreReached = (step: RestoreStep, wanted: RestoreStep) =>
  RESTORE_ORDER.indexOf(step) >= RESTORE_ORDER.indexOf(wanted);

/** Refuses, before anything is uploaded, an image Shopify would fail. */
async function checkImage(image: ImageBytes) {
  const size = image.bytes.byteLength;
  if (size === 0) {
    throw new WriteBackError("image_empty", "The new image is empty.", false);
  }
  if (size > MEDIA_LIMITS.imageBytes) {
    throw new WriteBackError(
      "image_too_large",
      `The new image is ${(size / 1024 / 1024).toFixed(1)} MB; Shopify accepts images up to 20 MB. Choose a smaller size or JPEG/WebP output.`,
      false,
      { details: { bytes: size } },
    );
  }
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(image.bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new WriteBackError(
      "unsupported_format",
      "The new image is not in a format Shopify accepts.",
      false,
      { cause: error },
    );
  }
  if (!metadata.format || !SHOPIFY_IMAGE_FORMATS.has(metadata.format)) {
    throw new WriteBackError(
      "unsupported_format",
      `Shopify does not accept ${String(metadata.format ?? "this").toUpperCase()} images; use JPEG, PNG, WebP or GIF.`,
      false,
    );
  }
  const width = metadata.autoOrient?.width ?? metadata.width ?? 0;
  const height = metadata.autoOrient?.height ?? metadata.height ?? 0;
  if (width * height > MEDIA_LIMITS.imagePixels) {
    throw new WriteBackError(
      "image_too_many_pixels",
      `The new image is ${width} x ${height} px (${((width * height) / 1e6).toFixed(1)} megapixels); Shopify accepts up to 20 megapixels (4472 x 4472 px for a square image).`,
      false,
      { details: { width, height } },
    );
  }
}

async function upload(context: Context, image: ImageBytes, filename: string): Promise<string> {
  try {
    return await stageUpload(
      context.admin,
      { bytes: image.bytes, mimeType: image.mimeType, filename, signal: context.signal },
      { fetch: context.uploadFetch },
    );
  } catch (error) {
    if (error instanceof StagedUploadError) {
      throw new WriteBackError(error.code, error.message, error.retryable, { cause: error });
    }
    throw error;
  }
}

async function readProduct(context: Context, productId: string): Promise<ProductMediaState> {
  const state = await readProductMedia(context.admin, productId);
  if (!state) throw productGone();
  return state;
}

async function mediaOrder(context: Context, productId: string): Promise<string[]> {
  const ids = await readMediaOrder(context.admin, productId);
  if (!ids) throw productGone();
  return ids;
}

async function placementOf(
  context: Context,
  productId: string,
  mediaId: string,
): Promise<MediaPlacement> {
  const placement = await readMediaPlacement(context.admin, productId, mediaId);
  if (!placement) throw productGone();
  return placement;
}

/** The variants that show `mediaId` now. */
async function variantsShowing(context: Context, productId: string, mediaId: string) {
  const variants = await readVariantMediaLinks(context.admin, productId);
  if (!variants) throw productGone();
  return variants.filter((variant) => variant.mediaIds.includes(mediaId));
}

/** Uploads our copy of the original, named so it is never taken for the write's own files. */
async function uploadOriginal(
  context: Context,
  writeBackId: string,
  snapshot: MediaSnapshot,
  original: () => Promise<ImageBytes>,
): Promise<string> {
  const bytes = await original();
  // fileUpdate keeps a file's extension, spelling included.
  const extension = snapshot.original.extension ?? formatOf(bytes.extension);
  return upload(context, bytes, `${restoreStem(writeBackId)}.${extension}`);
}

/** Waits for Shopify to process a file and insists on READY. */
async function waitUntilReady(
  context: Context,
  id: string,
  failed: (file: FileState) => WriteBackError,
): Promise<FileState> {
  const file = await waitForFileProcessed(context.admin, id, context.processing);
  if (!file) throw mediaGone();
  if (file.status === "FAILED") throw failed(file);
  if (file.status !== "READY") throw stillProcessing();
  return file;
}

/**
 * Deletes files once Shopify has finished processing them: it refuses to delete a file another
 * operation is still working on. A file gone already is fine.
 */
async function deleteFiles(context: Context, ids: Array<string | undefined>) {
  const present = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  for (const id of present) await waitForFileProcessed(context.admin, id, context.processing);
  failOn(await deleteMediaFiles(context.admin, present));
}

function failOn(result: { userErrors: ShopifyUserError[] }) {
  if (result.userErrors.length > 0) throw userErrorsToWriteBackError(result.userErrors);
}

/** Deletes files made for a write, then throws `error`: nothing of an abandoned write stays. */
async function abandon(context: Context, fileIds: Array<string | undefined>, error: Error) {
  // The merchant needs to hear why the write stopped, not that tidying up failed too.
  await deleteFiles(context, fileIds).catch(() => undefined);
  return error;
}

/**
 * The files an earlier attempt created under `stem` (and could not record), besides `exceptId`.
 * A name Shopify shows must be the stem with the extension (or a suffix Shopify added); a file
 * still processing has no URL yet, and the search already matched its name.
 */
async function filesFromEarlierAttempt(context: Context, stem: string, exceptId?: string) {
  const files = await findMediaFilesNamed(context.admin, stem);
  const lower = stem.toLowerCase();
  return files.filter((file) => {
    if (file.id === exceptId) return false;
    const name = file.filename?.toLowerCase();
    return !name || name.startsWith(`${lower}.`) || name.startsWith(`${lower}_`);
  });
}

const isDuplicateName = (file: FileState) =>
  file.status === "FAILED" &&
  file.errors.some((error) => error.code === "DUPLICATE_FILENAME_ERROR");

/**
 * The file made from `image` under `stem`: the one an earlier attempt created, or a new one.
 * Files Shopify failed only because the name was taken are leftovers of a race and go.
 */
async function findOrCreateFile(
  context: Context,
  options: {
    stem: string;
    extension: string;
    image: ImageBytes;
    alt: string | null;
    exceptId?: string;
  },
): Promise<string> {
  const earlier = await filesFromEarlierAttempt(context, options.stem, options.exceptId);
  const usable = earlier.find((file) => !isDuplicateName(file));
  const leftovers = earlier.filter((file) => file !== usable && isDuplicateName(file));
  await deleteFiles(
    context,
    leftovers.map((file) => file.id),
  );
  if (usable) return usable.id;

  const filename = `${options.stem}.${options.extension}`;
  const resourceUrl = await upload(context, options.image, filename);
  const created = await createMediaFile(context.admin, {
    originalSource: resourceUrl,
    filename,
    alt: options.alt === null ? null : clampAlt(options.alt),
  });
  if (!created.id) throw userErrorsToWriteBackError(created.userErrors);
  return created.id;
}

/**
 * Moves a media to a zero-based position (past the end: last) and waits for Shopify's reorder
 * job. Looks first, so a retry after the move finds nothing to do.
 */
async function placeMedia(context: Context, productId: string, mediaId: string, position: number) {
  const deadline = Date.now() + context.reorder.timeoutMs;
  for (;;) {
    const ids = await mediaOrder(context, productId);
    const index = ids.indexOf(mediaId);
    if (index === -1) throw mediaGone();
    const target = Math.min(Math.max(position, 0), ids.length - 1);
    if (index === target) return;
    if (Date.now() > deadline) throw reorderPending();
    const moved = await reorderMedia(context.admin, productId, [{ id: mediaId, position: target }]);
    if (moved.userErrors.length > 0) {
      // Another reorder (perhaps an earlier attempt's) is still running: look again after it.
      if (!moved.userErrors.every((error) => error.code === "MEDIA_CANNOT_BE_MODIFIED")) {
        failOn(moved);
      }
      await sleep(context.reorder.pollMs, context.signal);
    } else if (moved.jobId && !moved.done) {
      if (!(await waitForJob(context.admin, moved.jobId, context.reorder))) throw reorderPending();
    }
  }
}

const reorderPending = () =>
  new WriteBackError(
    "reorder_pending",
    "Shopify is still reordering this product's images. Photo Studio will check again shortly.",
    true,
  );

/**
 * Moves the variants that showed `fromMediaIds` in the snapshot to `toMediaId`. A variant that
 * shows something else by now (the merchant chose another image) is left alone.
 */
async function moveVariantImages(
  context: Context,
  productId: string,
  snapshot: MediaSnapshot,
  fromMediaIds: string[],
  toMediaId: string,
) {
  const showing = (snapshot.variants ?? []).filter((variant) =>
    variant.mediaIds.includes(snapshot.original.id),
  );
  if (showing.length === 0) return;
  const variants = await readVariantMediaLinks(context.admin, productId);
  if (!variants) throw productGone();
  const changes: VariantImageChange[] = [];
  for (const before of showing) {
    const now = variants.find((variant) => variant.id === before.id);
    if (!now || now.mediaIds.includes(toMediaId)) continue;
    const current = now.mediaIds[0] ?? null;
    if (current !== null && !fromMediaIds.includes(current)) continue;
    changes.push({ variantId: now.id, from: current, to: toMediaId });
  }
  if (changes.length === 0) return;
  const result = await changeVariantImages(context.admin, productId, changes);
  if (result.userErrors.length > 0) {
    const error = userErrorsToWriteBackError(result.userErrors);
    // What the variants show is read again on the next attempt, so a retry picks up from here.
    throw error.code === "shopify_refused"
      ? new WriteBackError(
          "variant_relink_failed",
          `Shopify did not move the variant images: ${result.userErrors.map((e) => e.message).join(" ")}`,
          true,
          { details: error.details },
        )
      : error;
  }
}

function snapshotOf(state: ProductMediaState, originalId: string): MediaSnapshot {
  const original = state.media.find((media) => media.id === originalId)!;
  return {
    media: state.media.map((media) => ({ id: media.id, alt: media.alt })),
    variants: state.variants.map((variant) => ({
      id: variant.id,
      mediaIds: [...variant.mediaIds],
    })),
    original: {
      id: original.id,
      position: original.position,
      alt: original.alt,
      extension: original.extension,
      mimeType: original.mimeType,
    },
  };
}

/**
 * Checks the request against the product and records what the write changes, for restoring. A
 * same-format replace reads only where the original sits and the original itself; the other
 * methods read the whole product, whose order and variant images they change.
 */
async function plan(context: Context, request: WriteBackRequest): Promise<WriteBackProgress> {
  await checkImage(request.image);
  if (request.mode === "replace") {
    const placement = await originalPlacement(context, request);
    const original = placement.media!;
    if (formatOf(original.extension) === formatOf(request.image.extension)) {
      const position = placement.mediaIds.indexOf(original.id);
      return {
        version: 1,
        step: "planned",
        method: "file-update",
        inPlace: true,
        snapshot: {
          original: {
            id: original.id,
            position,
            alt: original.alt,
            extension: original.extension,
            mimeType: original.mimeType,
          },
        },
        position,
      };
    }
  }

  const state = await readProduct(context, request.productId);
  const original = state.media.find((media) => media.id === request.originalMediaId);
  if (!original) throw originalGone();
  if (original.mediaContentType !== "IMAGE") throw notAnImage();
  const method: WriteBackMethod = request.mode === "add" ? "add" : "add-and-relink";
  if (state.media.length >= MEDIA_LIMITS.mediaPerProduct) throw mediaLimitReached();
  const position =
    method === "add"
      ? Math.min(Math.max(request.position ?? original.position + 1, 0), state.media.length)
      : original.position;
  return {
    version: 1,
    step: "planned",
    method,
    snapshot: snapshotOf(state, original.id),
    position,
  };
}

/** The original as an image on the product, processed: fileUpdate takes only a READY file. */
async function originalPlacement(
  context: Context,
  request: WriteBackRequest,
): Promise<MediaPlacement> {
  let placement = await placementOf(context, request.productId, request.originalMediaId);
  let original = placement.media;
  if (!original || !placement.mediaIds.includes(original.id)) throw originalGone();
  if (original.type !== "MediaImage") throw notAnImage();
  if (original.status === "FAILED") throw originalBroken(original);
  if (original.status !== "READY") {
    // Changed in Shopify a moment ago, perhaps by an earlier write.
    const file = await waitForFileProcessed(context.admin, original.id, context.processing);
    if (!file) throw originalGone();
    if (file.status === "FAILED") throw originalBroken(file);
    if (file.status !== "READY") throw stillProcessing();
    // Its name, whose extension fileUpdate keeps, shows once it is processed.
    placement = await placementOf(context, request.productId, request.originalMediaId);
    original = placement.media;
    if (!original || !placement.mediaIds.includes(original.id)) throw originalGone();
  }
  return placement;
}

/**
 * Writes the image to the product. Resumes from `journal.progress`; saves after every step that
 * changed the store. Throws WriteBackError (and the admin client's errors) with `retryable` set.
 */
export async function writeBackImage(
  admin: AdminClient,
  request: WriteBackRequest,
  journal: Journal<WriteBackProgress>,
  options: WriteBackOptions = {},
): Promise<WriteBackResult> {
  const context = contextFor(admin, options);
  let progress = journal.progress;
  const resumed = progress !== null;
  const save = async (next: WriteBackProgress) => {
    await journal.save(next);
    progress = next;
    return next;
  };

  if (progress?.step === "rolled_back") {
    throw new WriteBackError(
      "media_processing_failed",
      "Shopify could not process the new image; the product was left as it was.",
      false,
    );
  }
  if (!progress) {
    const planned = await plan(context, request);
    progress = await save(request.fileStem ? { ...planned, fileStem: request.fileStem } : planned);
  }
  if (progress.step === "done") return resultOf(request, progress);

  if (progress.method === "file-update") {
    return replaceInPlace(context, request, progress, save, resumed);
  }
  if (!reached(progress.step, "attached")) {
    progress = await createNewFile(context, request, progress, save);
  }
  return addMedia(context, request, progress, save);
}

function resultOf(request: WriteBackRequest, progress: WriteBackProgress): WriteBackResult {
  return {
    method: progress.method,
    newMediaId:
      progress.method === "file-update" ? request.originalMediaId : progress.createdFileId!,
    progress,
  };
}

type Save<P> = (progress: P) => Promise<P>;

/**
 * Uploads and creates the new file (or finds an earlier attempt's) and waits until Shopify has
 * processed it. It is on no product yet, so if Shopify fails it, deleting it undoes everything.
 */
async function createNewFile(
  context: Context,
  request: WriteBackRequest,
  start: WriteBackProgress,
  save: Save<WriteBackProgress>,
): Promise<WriteBackProgress> {
  let progress = start;
  const stem = writeStem(request.writeBackId, progress);
  const extension = formatOf(request.image.extension)!;
  const alt =
    request.alt ?? (progress.method === "add-and-relink" ? progress.snapshot.original.alt : null);

  for (let attempt = 0; ; attempt += 1) {
    if (!reached(progress.step, "created")) {
      const id = await findOrCreateFile(context, {
        stem,
        extension,
        image: request.image,
        alt,
        exceptId: request.originalMediaId,
      });
      progress = await save({ ...progress, step: "created", createdFileId: id });
    }
    const file = await waitForFileProcessed(
      context.admin,
      progress.createdFileId!,
      context.processing,
    );
    if (!file || isDuplicateName(file)) {
      // Deleted from Files meanwhile, or failed because another attempt's file holds the name
      // (found by name on the next round): create, or adopt, again.
      if (attempt >= 2) {
        throw new WriteBackError(
          "upload_lost",
          "Shopify lost track of the uploaded image. Photo Studio will upload it again shortly.",
          true,
        );
      }
      if (file) await deleteFiles(context, [file.id]);
      const { createdFileId: _dropped, ...rest } = progress;
      progress = await save({ ...rest, step: "planned" });
      continue;
    }
    if (file.status === "FAILED") {
      await deleteFiles(context, [file.id]);
      await save({ ...progress, step: "rolled_back" });
      throw processingFailed(file);
    }
    if (file.status !== "READY") throw stillProcessing();
    return progress;
  }
}

/**
 * file-update: the original takes the new bytes in place, keeping its id, URL and variant links.
 * `created` is saved before the fileUpdate goes out: a write resumed from there may have sent it,
 * so it waits for what the original became and, READY, sends it again (the same bytes once more).
 * If Shopify fails the new bytes, the original is made again from our copy.
 */
async function replaceInPlace(
  context: Context,
  request: WriteBackRequest,
  start: WriteBackProgress,
  save: Save<WriteBackProgress>,
  resumed: boolean,
): Promise<WriteBackResult> {
  let progress = start;
  const { snapshot } = progress;
  if (!reached(progress.step, "applied")) {
    // A fresh plan found the original READY a moment ago; a resumed write looks again.
    if (resumed) {
      const original = await waitForFileProcessed(
        context.admin,
        request.originalMediaId,
        context.processing,
      );
      if (!original) throw originalGone();
      if (original.status === "UPLOADED" || original.status === "PROCESSING") {
        throw stillProcessing();
      }
      if (original.status === "FAILED") {
        if (!reached(progress.step, "created")) throw originalBroken(original);
        return rollBack(context, request, progress, save, original);
      }
    }
    const resourceUrl = await upload(
      context,
      request.image,
      // fileUpdate keeps a file's extension, spelling included (jpeg is not jpg).
      `${writeStem(request.writeBackId, progress)}.${snapshot.original.extension ?? formatOf(request.image.extension)}`,
    );
    if (!reached(progress.step, "created")) progress = await save({ ...progress, step: "created" });
    const update: MediaFileUpdate = { id: request.originalMediaId, originalSource: resourceUrl };
    if (request.alt !== null) update.alt = clampAlt(request.alt);
    failOn(await updateMediaFile(context.admin, update));
    progress = await save({ ...progress, step: "applied" });
    // Shopify has only just started on the bytes: a look now would find them processing.
    await untilNextPoll(context.processing);
  }

  // A rollback under way (recorded in progress) goes on: the failed bytes are gone by now.
  if (progress.rollback) return rollBack(context, request, progress, save, null);
  const replaced = await waitForFileProcessed(
    context.admin,
    request.originalMediaId,
    context.processing,
  );
  if (!replaced) throw originalGone();
  if (replaced.status === "FAILED") return rollBack(context, request, progress, save, replaced);
  if (replaced.status !== "READY") throw stillProcessing();
  if (!progress.inPlace) await deleteFiles(context, await legacyCopies(context, request, progress));
  progress = await save({ ...progress, step: "done" });
  return resultOf(request, progress);
}

/** The copies in Files an earlier version's file-update made first, recorded or not. */
async function legacyCopies(
  context: Context,
  request: { writeBackId: string; originalMediaId: string },
  progress: WriteBackProgress,
) {
  const found = await filesFromEarlierAttempt(
    context,
    writeStem(request.writeBackId, progress),
    request.originalMediaId,
  );
  return [progress.createdFileId, ...found.map((file) => file.id)];
}

/**
 * Shopify failed the bytes the original took, and refuses to update a FAILED file
 * (INVALID_FAILED_MEDIA_STATE): the restore makes the original again from our copy, in its place
 * and with its variant images, which the failed original still has and which are recorded first.
 */
async function rollBack(
  context: Context,
  request: WriteBackRequest,
  start: WriteBackProgress,
  save: Save<WriteBackProgress>,
  failed: FileState | null,
): Promise<never> {
  let progress = start;
  if (!progress.rollback && !progress.snapshot.variants) {
    const variants = await variantsShowing(context, request.productId, request.originalMediaId);
    progress = await save({ ...progress, snapshot: { ...progress.snapshot, variants } });
  }
  const rollback = await restoreOriginal(
    context.admin,
    { ...request, method: "file-update", progress },
    {
      progress: progress.rollback ?? null,
      save: async (rollbackProgress) => {
        progress = await save({ ...progress, rollback: rollbackProgress });
      },
    },
    context.options,
  );
  await save({ ...progress, step: "rolled_back" });
  throw processingFailed(failed, rollback.restoredMediaId);
}

/**
 * add / add-and-relink: attach the processed file, move it into place, then (add-and-relink) give
 * it the original's variant images and only then take the original off the product.
 */
async function addMedia(
  context: Context,
  request: WriteBackRequest,
  start: WriteBackProgress,
  save: Save<WriteBackProgress>,
): Promise<WriteBackResult> {
  let progress = start;
  const newId = progress.createdFileId!;
  const relink = progress.method === "add-and-relink";

  if (!reached(progress.step, "attached")) {
    const ids = await readMediaOrder(context.admin, request.productId);
    if (!ids) throw await abandon(context, [newId], productGone());
    if (relink && !ids.includes(request.originalMediaId)) {
      throw await abandon(context, [newId], originalGone());
    }
    if (!ids.includes(newId)) {
      if (ids.length >= MEDIA_LIMITS.mediaPerProduct) {
        throw await abandon(context, [newId], mediaLimitReached());
      }
      const attached = await updateMediaFile(context.admin, {
        id: newId,
        referencesToAdd: [request.productId],
      });
      if (attached.userErrors.length > 0) {
        const error = userErrorsToWriteBackError(attached.userErrors);
        throw error.retryable ? error : await abandon(context, [newId], error);
      }
    }
    progress = await save({ ...progress, step: "attached" });
  }

  if (!reached(progress.step, "placed")) {
    await placeMedia(context, request.productId, newId, progress.position);
    progress = await save({ ...progress, step: "placed" });
  }

  if (relink && !reached(progress.step, "relinked")) {
    await moveVariantImages(
      context,
      request.productId,
      progress.snapshot,
      [request.originalMediaId],
      newId,
    );
    progress = await save({ ...progress, step: "relinked" });
  }

  if (relink) {
    const detached = await updateMediaFile(context.admin, {
      id: request.originalMediaId,
      referencesToRemove: [request.productId],
    });
    // Already deleted from Files: it is off the product all the same.
    const errors = detached.userErrors.filter((error) => error.code !== "FILE_DOES_NOT_EXIST");
    failOn({ userErrors: errors });
  }
  progress = await save({ ...progress, step: "done" });
  return resultOf(request, progress);
}

/**
 * Puts the original back as the snapshot had it: position, alt text and variant images, and
 * removes what the write added. Resumes from `journal.progress`, like writeBackImage.
 */
export async function restoreOriginal(
  admin: AdminClient,
  request: RestoreRequest,
  journal: Journal<RestoreProgress>,
  options: WriteBackOptions = {},
): Promise<RestoreResult> {
  const context = contextFor(admin, options);
  let progress: RestoreProgress = journal.progress ?? {
    version: 1,
    step: "started",
    restoredMediaId: request.originalMediaId,
  };
  const save = async (next: RestoreProgress) => {
    await journal.save(next);
    progress = next;
    return next;
  };
  const finish = async () => {
    if (progress.step !== "done") progress = await save({ ...progress, step: "done" });
    return { restoredMediaId: progress.restoredMediaId, progress };
  };
  if (progress.step === "done") return finish();

  const write = request.progress;
  // Without a snapshot the write never reached the store; rolled back, it left nothing.
  if (!write || write.step === "rolled_back") return finish();

  const stem = writeStem(request.writeBackId, write);
  const writeFiles = async () => {
    const ids = new Set<string>();
    if (write.createdFileId) ids.add(write.createdFileId);
    // An in-place write makes no file; the others may have made one they could not record.
    if (!write.inPlace) {
      const found = await filesFromEarlierAttempt(context, stem, request.originalMediaId);
      for (const file of found) ids.add(file.id);
    }
    ids.delete(request.originalMediaId);
    return [...ids];
  };

  if (request.method === "add") {
    await mediaOrder(context, request.productId);
    await deleteFiles(context, await writeFiles());
    return finish();
  }

  if (request.method === "file-update" && progress.restoredMediaId === request.originalMediaId) {
    // Before `created` the original was never touched; from then on an update may have been sent.
    if (!reached(write.step, "created")) {
      await deleteFiles(context, await writeFiles());
      return finish();
    }
    if (!restoreReached(progress.step, "reattached")) {
      const placement = await placementOf(context, request.productId, request.originalMediaId);
      let status = placement.media?.status ?? null;
      if (status === "UPLOADED" || status === "PROCESSING") {
        const original = await waitForFileProcessed(
          context.admin,
          request.originalMediaId,
          context.processing,
        );
        if (original && original.status !== "READY" && original.status !== "FAILED") {
          throw stillProcessing();
        }
        status = original?.status ?? null;
      }
      const intact = status === "READY" && placement.mediaIds.includes(request.originalMediaId);
      // A FAILED original cannot be updated, and one taken off the product has lost its place:
      // both are made again from our copy, as a media of their own.
      if (!intact) return restoreAsMedia(context, request, write, progress, save, writeFiles);
      const resourceUrl = await uploadOriginal(
        context,
        request.writeBackId,
        write.snapshot,
        request.original,
      );
      failOn(
        await updateMediaFile(context.admin, {
          id: request.originalMediaId,
          originalSource: resourceUrl,
          alt: clampAlt(write.snapshot.original.alt ?? ""),
        }),
      );
      progress = await save({ ...progress, step: "reattached" });
      // Shopify has only just started on the bytes: a look now would find them processing.
      await untilNextPoll(context.processing);
    }
    await waitUntilReady(context, request.originalMediaId, restoreFailed);
    await deleteFiles(context, await writeFiles());
    return finish();
  }
  return restoreAsMedia(context, request, write, progress, save, writeFiles);
}

/**
 * Puts the original back on the product as a media of its own: re-attached from Files, or made
 * again from our copy when it is gone (or FAILED); then placed and relinked, and the write's
 * files deleted.
 */
async function restoreAsMedia(
  context: Context,
  request: RestoreRequest,
  write: WriteBackProgress,
  start: RestoreProgress,
  save: Save<RestoreProgress>,
  writeFiles: () => Promise<string[]>,
): Promise<RestoreResult> {
  let progress = start;
  let ids: string[] | null = null;
  if (
    !restoreReached(progress.step, "reattached") &&
    !write.snapshot.variants &&
    !progress.variants
  ) {
    // An in-place write recorded no variant images: the original has them while it is on the
    // product (one deleted from Files lost them, and they are not known).
    ids = await mediaOrder(context, request.productId);
    const variants = ids.includes(request.originalMediaId)
      ? await variantsShowing(context, request.productId, request.originalMediaId)
      : [];
    progress = await save({ ...progress, variants });
  }
  const snapshot: MediaSnapshot = {
    ...write.snapshot,
    variants: write.snapshot.variants ?? progress.variants ?? [],
  };

  if (!restoreReached(progress.step, "reattached")) {
    ids ??= await mediaOrder(context, request.productId);
    const original = await readMediaFile(context.admin, request.originalMediaId);
    let restoredId = request.originalMediaId;
    if (!original || original.status === "FAILED") {
      const bytes = await request.original();
      restoredId = await findOrCreateFile(context, {
        stem: restoreStem(request.writeBackId),
        extension: formatOf(bytes.extension)!,
        image: bytes,
        alt: snapshot.original.alt,
      });
    }
    const file = await waitUntilReady(context, restoredId, restoreFailed);
    const update: MediaFileUpdate = { id: restoredId };
    if (!ids.includes(restoredId)) update.referencesToAdd = [request.productId];
    if (!sameAlt(file.alt, snapshot.original.alt)) update.alt = snapshot.original.alt ?? "";
    // After a file-update write the original file holds the new image: it gets ours back.
    const holdsNewImage =
      request.method === "file-update" && restoredId === request.originalMediaId;
    if (holdsNewImage) {
      update.originalSource = await uploadOriginal(
        context,
        request.writeBackId,
        snapshot,
        request.original,
      );
    }
    if (update.referencesToAdd || update.alt !== undefined || update.originalSource) {
      failOn(await updateMediaFile(context.admin, update));
    }
    if (holdsNewImage) await waitUntilReady(context, restoredId, restoreFailed);
    progress = await save({ ...progress, step: "reattached", restoredMediaId: restoredId });
  }
  const restoredId = progress.restoredMediaId;

  if (!restoreReached(progress.step, "placed")) {
    await placeMedia(context, request.productId, restoredId, snapshot.original.position);
    progress = await save({ ...progress, step: "placed" });
  }

  if (!restoreReached(progress.step, "relinked")) {
    const from = [...(await writeFiles()), request.originalMediaId].filter(
      (id) => id !== restoredId,
    );
    await moveVariantImages(context, request.productId, snapshot, from, restoredId);
    progress = await save({ ...progress, step: "relinked" });
  }

  if (!restoreReached(progress.step, "cleaned")) {
    const broken = restoredId !== request.originalMediaId ? [request.originalMediaId] : [];
    const remove = [...(await writeFiles()), ...broken].filter((id) => id !== restoredId);
    await deleteFiles(context, remove);
    progress = await save({ ...progress, step: "cleaned" });
  }

  // Deleting the write's media closed the gap it left, so the original sits where it was.
  await placeMedia(context, request.productId, restoredId, snapshot.original.position);
  progress = await save({ ...progress, step: "done" });
  return { restoredMediaId: restoredId, progress };
}
