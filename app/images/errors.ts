/**
 * Every way the image engine refuses a photo: a stable code for the app, the job queue and the
 * CLI, and a message written for the merchant who uploaded the file (what is wrong, what to do).
 */

export type ImageErrorCode =
  | "empty_file"
  | "file_too_large"
  | "unsupported_format"
  | "not_a_photo"
  | "dimensions_too_large"
  | "too_many_pixels"
  | "too_many_frames"
  | "truncated"
  | "corrupt"
  | "empty_image"
  | "output_too_large"
  | "invalid_edit"
  | "unknown_preset";

type Details = Readonly<Record<string, string | number | boolean>>;

export class ImageError extends Error {
  override name = "ImageError";
  readonly code: ImageErrorCode;
  /** The facts behind the refusal (sizes, limits) for logs and tests; the message says it for people. */
  readonly details: Details;
  constructor(
    code: ImageErrorCode,
    message: string,
    options?: { details?: Details; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details ?? {};
  }

  /** The shape the CLI prints and an API would return: `{ code, message }`, nothing internal. */
  toJSON() {
    return { code: this.code, message: this.message };
  }
}

export function isImageError(error: unknown): error is ImageError {
  return error instanceof ImageError;
}

const ACCEPTED = "a JPEG, PNG, WebP, AVIF, GIF or TIFF photo";

function count(value: number) {
  return value.toLocaleString("en-US");
}

function megabytes(bytes: number) {
  return `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 1 : 0)} MB`;
}

export const refuse = {
  emptyFile: () => new ImageError("empty_file", "This file is empty. Upload the photo again."),

  fileTooLarge: (bytes: number, maxBytes: number) =>
    new ImageError(
      "file_too_large",
      `This file is ${megabytes(bytes)}; Photo Studio accepts photos up to ${megabytes(maxBytes)}. ` +
        "Export it as a JPEG at a smaller size and try again.",
      { details: { bytes, maxBytes } },
    ),

  unsupportedFormat: (what?: string, advice?: string) =>
    new ImageError(
      "unsupported_format",
      `Photo Studio can't read ${what ? `${what} files` : "this kind of file"}. ` +
        (advice ?? `Upload ${ACCEPTED}.`),
      { details: what ? { format: what } : {} },
    ),

  notAPhoto: (what: string) =>
    new ImageError(
      "not_a_photo",
      `This file is ${what}, not a photo. Photo Studio works on photos of products: upload ${ACCEPTED}.`,
      { details: { format: what } },
    ),

  dimensionsTooLarge: (width: number, height: number, maxDimension: number) =>
    new ImageError(
      "dimensions_too_large",
      `This photo is ${count(width)} × ${count(height)} pixels; Photo Studio accepts up to ` +
        `${count(maxDimension)} pixels on a side. Export it at a smaller size and try again.`,
      { details: { width, height, maxDimension } },
    ),

  tooManyPixels: (width: number, height: number, maxPixels: number) =>
    new ImageError(
      "too_many_pixels",
      `This photo has ${count(Math.round((width * height) / 1e6))} megapixels ` +
        `(${count(width)} × ${count(height)}); Photo Studio accepts up to ` +
        `${count(Math.round(maxPixels / 1e6))} megapixels. Export it at a smaller size and try again.`,
      { details: { width, height, maxPixels } },
    ),

  tooManyFrames: (frames: number, maxFrames: number) =>
    new ImageError(
      "too_many_frames",
      `This file holds ${count(frames)} frames; Photo Studio accepts up to ${count(maxFrames)}. ` +
        "Upload a single still photo of the product.",
      { details: { frames, maxFrames } },
    ),

  truncated: (cause?: unknown) =>
    new ImageError(
      "truncated",
      "This photo is incomplete: the file ends before the picture does, usually because an upload " +
        "or download was interrupted. Upload the original again.",
      { cause },
    ),

  corrupt: (cause?: unknown) =>
    new ImageError(
      "corrupt",
      "This file is damaged and can't be read as a photo. Upload the original again, or export it " +
        "again from your photo editor.",
      { cause },
    ),

  emptyImage: () =>
    new ImageError(
      "empty_image",
      "This image is completely transparent, so there is no product in it to place.",
    ),

  outputTooLarge: (destination: string, bytes: number, maxBytes: number) =>
    new ImageError(
      "output_too_large",
      `Photo Studio couldn't bring this photo under ${destination}'s limit of ${megabytes(maxBytes)} ` +
        `without visible loss (it is still ${megabytes(bytes)}).`,
      { details: { bytes, maxBytes } },
    ),

  invalidEdit: (message: string) => new ImageError("invalid_edit", message),

  unknownPreset: (id: string, known: readonly string[]) =>
    new ImageError(
      "unknown_preset",
      `There is no preset called "${id}". Choose one of: ${known.join(", ")}.`,
      { details: { preset: id } },
    ),
};
