/**
 * Identifies a file by its first bytes (magic numbers), never by its name or declared type: a
 * `.jpg` that is really an SVG is an SVG. Only raster photo formats pass; drawings and documents
 * (SVG, PDF, PostScript) are refused because their loaders run scripts, fetch resources and
 * allocate whatever size the file asks for.
 */

export type PhotoFormat = "jpeg" | "png" | "webp" | "avif" | "gif" | "tiff";

export const PHOTO_FORMATS: readonly PhotoFormat[] = ["jpeg", "png", "webp", "avif", "gif", "tiff"];

export const MIME_TYPES: Record<PhotoFormat, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  avif: "image/avif",
  gif: "image/gif",
  tiff: "image/tiff",
};

/** The name sharp's `metadata().format` gives each format (AVIF is read by the HEIF loader). */
export const SHARP_FORMAT_NAMES: Record<PhotoFormat, string> = {
  jpeg: "jpeg",
  png: "png",
  webp: "webp",
  avif: "heif",
  gif: "gif",
  tiff: "tiff",
};

export type Identified =
  | { kind: "photo"; format: PhotoFormat }
  | { kind: "not-a-photo"; what: string }
  | { kind: "unsupported"; what?: string; advice?: string };

export const HEIC_ADVICE =
  "On an iPhone, choose Settings › Camera › Formats › Most Compatible, or share the photo as a JPEG.";

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0) {
  if (bytes.length < at + signature.length) return false;
  return signature.every((value, index) => bytes[at + index] === value);
}

function ascii(bytes: Uint8Array, start: number, end: number) {
  return String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)));
}

/** ISO base media files (AVIF, HEIC) name their content in the `ftyp` box's brands. */
function identifyIsoMedia(bytes: Uint8Array): Identified | null {
  if (ascii(bytes, 4, 8) !== "ftyp") return null;
  const boxSize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  const brands = [ascii(bytes, 8, 12)];
  for (let offset = 16; offset + 4 <= Math.min(boxSize, bytes.length, 256); offset += 4) {
    brands.push(ascii(bytes, offset, offset + 4));
  }
  if (brands.includes("avif") || brands.includes("avis")) return { kind: "photo", format: "avif" };
  if (brands.some((brand) => /^he(ic|ix|vc|vx|im|is|vm|vs)$/.test(brand))) {
    return { kind: "unsupported", what: "HEIC", advice: HEIC_ADVICE };
  }
  return { kind: "unsupported", what: "this video or media" };
}

/** Text formats: an SVG may start with a BOM, whitespace, an XML declaration or comments. */
function identifyText(bytes: Uint8Array): Identified | null {
  const head = new TextDecoder("utf-8", { fatal: false })
    .decode(bytes.subarray(0, 2048))
    .replace(/^\uFEFF/, "")
    .trimStart();
  if (head.startsWith("%PDF-")) return { kind: "not-a-photo", what: "a PDF document" };
  if (head.startsWith("%!PS")) return { kind: "not-a-photo", what: "a PostScript (EPS) drawing" };
  if (head.startsWith("<")) {
    return /<svg[\s>]/i.test(head)
      ? { kind: "not-a-photo", what: "an SVG drawing" }
      : { kind: "not-a-photo", what: "a web page or XML document" };
  }
  return null;
}

export function identifyFormat(bytes: Uint8Array): Identified {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: "photo", format: "jpeg" };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return { kind: "photo", format: "png" };
  }
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") {
    return { kind: "photo", format: "webp" };
  }
  if (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a") {
    return { kind: "photo", format: "gif" };
  }
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { kind: "photo", format: "tiff" };
  }
  const isoMedia = identifyIsoMedia(bytes);
  if (isoMedia) return isoMedia;
  if (ascii(bytes, 0, 4) === "8BPS") {
    return {
      kind: "unsupported",
      what: "Photoshop (PSD)",
      advice: "Export the photo from Photoshop as a JPEG or PNG.",
    };
  }
  if (ascii(bytes, 0, 2) === "BM") return { kind: "unsupported", what: "BMP" };
  if (startsWith(bytes, [0xff, 0x0a]) || ascii(bytes, 4, 8) === "JXL ") {
    return { kind: "unsupported", what: "JPEG XL" };
  }
  return identifyText(bytes) ?? { kind: "unsupported" };
}
