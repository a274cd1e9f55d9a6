/**
 * What Shopify's image processing decides about an uploaded image, done with sharp: whether it is
 * a raster format Shopify accepts, within the size and resolution limits, and decodable; and its
 * dimensions as displayed (EXIF orientation applied).
 * https://shopify.dev/docs/apps/build/online-store/product-media
 */
import sharp from "sharp";

import { fileError, type FileErrorRecord } from "./errors.ts";
import { MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from "./limits.ts";

export interface ImageFacts {
  width: number;
  height: number;
  mimeType: string;
}

/** sharp's format names of the raster formats Shopify takes as images, and their MIME types. */
const ACCEPTED: Record<string, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  tiff: "image/tiff",
};

function heifMimeType(compression: string | undefined) {
  return compression === "av1" ? "image/avif" : "image/heic";
}

const megapixels = (pixels: number) => (pixels / 1_000_000).toFixed(1);

export async function inspectImage(bytes: Buffer): Promise<ImageFacts | FileErrorRecord> {
  if (bytes.length > MAX_IMAGE_BYTES) {
    return fileError(
      "INVALID_IMAGE_FILE_SIZE",
      `The image is ${bytes.length} bytes; images can be up to ${MAX_IMAGE_BYTES} bytes (20 MB).`,
    );
  }
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return fileError("UNSUPPORTED_IMAGE_FILE_TYPE", "The file is not an image in a known format.");
  }
  const format = metadata.format as string;
  const mimeType = format === "heif" ? heifMimeType(metadata.compression) : ACCEPTED[format];
  if (!mimeType) {
    return fileError(
      "UNSUPPORTED_IMAGE_FILE_TYPE",
      `${format.toUpperCase()} images are not supported; use JPEG, PNG, GIF, WEBP, HEIC, AVIF or TIFF.`,
    );
  }
  const { width, height } = metadata.autoOrient;
  if (width * height > MAX_IMAGE_PIXELS) {
    return fileError(
      "INVALID_IMAGE_RESOLUTION",
      `The image is ${width} x ${height} px (${megapixels(width * height)} megapixels); the maximum is 20 megapixels (4472 x 4472 px for a square image).`,
    );
  }
  try {
    // Decoding a thumbnail reads the whole file: a truncated or corrupt image fails here.
    await sharp(bytes, { failOn: "error" }).resize(32, 32, { fit: "inside" }).raw().toBuffer();
  } catch (error) {
    return fileError(
      "IMAGE_PROCESSING_FAILURE",
      `The ${format.toUpperCase()} image could not be decoded: ${(error as Error).message}`,
    );
  }
  return { width, height, mimeType };
}

export function isImageFacts(value: ImageFacts | FileErrorRecord): value is ImageFacts {
  return "width" in value;
}
