/**
 * The dev store's stand-in for cdn.shopify.com: serves a file's bytes, resized on the fly with the
 * query parameters Shopify's CDN understands (width, height, crop, format). Like the CDN, it never
 * enlarges an image.
 */
import sharp from "sharp";

export interface CdnParams {
  width?: number;
  height?: number;
  crop?: "center" | "top" | "bottom" | "left" | "right";
  format?: "jpg" | "png" | "webp";
}

export function parseCdnParams(search: URLSearchParams): CdnParams {
  const size = (name: string) => {
    const value = Number(search.get(name));
    return Number.isInteger(value) && value > 0 && value <= 5760 ? value : undefined;
  };
  const crop = search.get("crop");
  const format = search.get("format");
  return {
    width: size("width"),
    height: size("height"),
    crop:
      crop && ["center", "top", "bottom", "left", "right"].includes(crop)
        ? (crop as CdnParams["crop"])
        : undefined,
    format:
      format && ["jpg", "png", "webp"].includes(format)
        ? (format as CdnParams["format"])
        : undefined,
  };
}

const CONTENT_TYPES = { jpg: "image/jpeg", png: "image/png", webp: "image/webp" } as const;

export async function renderCdnImage(
  bytes: Buffer,
  mimeType: string,
  params: CdnParams,
): Promise<{ body: Buffer; contentType: string }> {
  if (!params.width && !params.height && !params.format)
    return { body: bytes, contentType: mimeType };
  let image = sharp(bytes, { limitInputPixels: 40_000_000 }).rotate();
  if (params.width || params.height) {
    image = image.resize({
      width: params.width,
      height: params.height,
      fit: params.crop && params.width && params.height ? "cover" : "inside",
      position: params.crop === "center" || !params.crop ? "centre" : params.crop,
      withoutEnlargement: true,
    });
  }
  if (params.format) {
    const format = params.format === "jpg" ? "jpeg" : params.format;
    return {
      body: await image.toFormat(format).toBuffer(),
      contentType: CONTENT_TYPES[params.format],
    };
  }
  return { body: await image.toBuffer(), contentType: mimeType };
}
