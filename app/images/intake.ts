/**
 * Safe intake, the first step for every image that enters Photo Studio (uploads, catalog
 * imports, and what AI providers send back): identify the file by its bytes, read only its
 * header and refuse it there if it is too large in any way, and only then let a decoder at its
 * pixels. `sanitizeImage` is the full disarm-and-reconstruct: decode, upright from EXIF, convert
 * to sRGB, drop every metadata block, and encode a fresh file, so nothing of the original bytes
 * (scripts, thumbnails, GPS, parser tricks) survives.
 */
import sharp from "sharp";

import { refuse, isImageError, type ImageError } from "./errors.ts";
import { otherMetadataHasLocation, readExif, type KeepableExif } from "./exif.ts";
import {
  HEIC_ADVICE,
  identifyFormat,
  MIME_TYPES,
  SHARP_FORMAT_NAMES,
  type PhotoFormat,
} from "./formats.ts";
import { DEFAULT_LIMITS, type IntakeLimits } from "./limits.ts";
import { note, type ImageNote } from "./notes.ts";

export interface ImageFacts {
  format: PhotoFormat;
  mimeType: string;
  /** As the photo is seen, after its EXIF orientation. */
  width: number;
  height: number;
  /** EXIF orientation as stored: 1 is upright, 2-8 are mirrored and/or rotated. */
  orientation: number;
  /** The decoder's name for the pixel encoding: srgb, cmyk, b-w, rgb16, grey16… */
  colourSpace: string;
  iccProfile: boolean;
  bitDepth: number;
  hasAlpha: boolean;
  /** Animation frames or images in the file; only the first is ever used. */
  frames: number;
  bytes: number;
  /** The metadata names the place the photo was taken (GPS, or a city in XMP/IPTC). */
  hasLocation: boolean;
}

/** A file that passed identification and limits, ready to be decoded within those limits. */
export interface ImageSource {
  readonly bytes: Buffer;
  readonly facts: ImageFacts;
  readonly limits: Readonly<IntakeLimits>;
  readonly keepableExif: KeepableExif;
  readonly notes: readonly ImageNote[];
  /** Its pixels, once decoded by decodeSource: read from memory instead of decoding again. */
  readonly pixels?: DecodedPixels;
}

/** Upright 8-bit sRGB pixels, interleaved: RGBA when the file has alpha, else RGB. */
export interface DecodedPixels {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
}

const BIT_DEPTHS: Record<string, number> = { uchar: 8, char: 8, ushort: 16, short: 16 };

/**
 * Options for every decode of an accepted file. `limitInputPixels` is the decoder's own guard
 * behind the header check; `failOn: "error"` refuses truncated and broken data but tolerates the
 * harmless warnings many phone JPEGs trigger (extraneous bytes before a marker).
 */
export function decodeOptions(limits: Readonly<IntakeLimits>): sharp.SharpOptions {
  return { failOn: "error", limitInputPixels: limits.maxPixels };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Whether the file still has the marker its format ends with; if not, it was cut short. */
function endsProperly(bytes: Buffer, format: PhotoFormat): boolean | null {
  switch (format) {
    case "jpeg":
      // Entropy-coded data never contains 0xFFD9 or 0xFFDA, so an end-of-image marker after the
      // last start-of-scan marker means the scan data is complete.
      return (
        bytes.lastIndexOf(Buffer.from([0xff, 0xd9])) > bytes.lastIndexOf(Buffer.from([0xff, 0xda]))
      );
    case "png":
      return bytes.includes(Buffer.from("IEND"));
    case "webp":
      return bytes.length >= 8 && bytes.readUInt32LE(4) + 8 <= bytes.length;
    case "gif":
      return bytes.includes(0x3b, Math.max(0, bytes.length - 16));
    default:
      return null;
  }
}

/** Turns a decoder failure into the refusal a merchant can act on. */
export function decodeFailure(error: unknown, bytes: Buffer, format: PhotoFormat): ImageError {
  if (isImageError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const cutShort = /premature end|truncated|unexpected end|end of (file|stream)/i.test(message);
  if (cutShort || endsProperly(bytes, format) === false) return refuse.truncated(error);
  return refuse.corrupt(error);
}

/** Identifies the file and checks it against the limits, from its header only. */
export async function openImage(
  input: Uint8Array,
  limits: Readonly<IntakeLimits> = DEFAULT_LIMITS,
): Promise<ImageSource> {
  const bytes = asBuffer(input);
  if (bytes.length === 0) throw refuse.emptyFile();
  if (bytes.length > limits.maxBytes) throw refuse.fileTooLarge(bytes.length, limits.maxBytes);

  const identified = identifyFormat(bytes);
  if (identified.kind === "not-a-photo") throw refuse.notAPhoto(identified.what);
  if (identified.kind === "unsupported") {
    throw refuse.unsupportedFormat(identified.what, identified.advice);
  }
  const { format } = identified;

  let metadata: sharp.Metadata;
  try {
    // Header only: no pixel is decoded here, so the decoder's own pixel limit is not needed yet.
    metadata = await sharp(bytes, { limitInputPixels: false, failOn: "error" }).metadata();
  } catch (error) {
    // A header the decoder cannot parse is damaged, whatever cut it short.
    throw refuse.corrupt(error);
  }
  // The bytes said one format and the decoder found another: a polyglot or a damaged file.
  if (metadata.format !== SHARP_FORMAT_NAMES[format]) throw refuse.corrupt();
  if (format === "avif" && metadata.compression !== "av1") {
    throw refuse.unsupportedFormat("HEIC", HEIC_ADVICE);
  }

  const { width, height } = metadata;
  if (!width || !height) throw refuse.corrupt();
  if (width > limits.maxDimension || height > limits.maxDimension) {
    throw refuse.dimensionsTooLarge(width, height, limits.maxDimension);
  }
  if (width * height > limits.maxPixels) {
    throw refuse.tooManyPixels(width, height, limits.maxPixels);
  }
  const frames = metadata.pages ?? 1;
  if (frames > limits.maxFrames) throw refuse.tooManyFrames(frames, limits.maxFrames);

  const exif = readExif(metadata.exif);
  const hasLocation = exif.hasLocation || otherMetadataHasLocation(metadata.xmp, metadata.iptc);
  const notes: ImageNote[] = [];
  if (frames > 1) notes.push(note.firstFrameOnly(frames));
  if (hasLocation) notes.push(note.locationRemoved());

  return {
    bytes,
    limits,
    keepableExif: exif.keepable,
    notes,
    facts: {
      format,
      mimeType: MIME_TYPES[format],
      width: metadata.autoOrient.width,
      height: metadata.autoOrient.height,
      orientation: metadata.orientation ?? 1,
      colourSpace: metadata.space ?? "unknown",
      iccProfile: metadata.hasProfile ?? false,
      bitDepth: BIT_DEPTHS[metadata.depth ?? "uchar"] ?? 32,
      hasAlpha: metadata.hasAlpha ?? false,
      frames,
      bytes: bytes.length,
      hasLocation,
    },
  };
}

/**
 * Pixels Photo Studio computed itself (an AI provider's cut-out, RGBA) as a source, decoded
 * already: there is no file to identify, and what the pixels came from went through intake.
 */
export function computedSource(
  pixels: { data: Uint8Array; width: number; height: number },
  limits: Readonly<IntakeLimits> = DEFAULT_LIMITS,
): ImageSource {
  const { data, width, height } = pixels;
  if (data.length !== width * height * 4) {
    throw new Error(`Expected ${width}×${height} RGBA pixels, got ${data.length} bytes`);
  }
  return {
    bytes: Buffer.alloc(0),
    limits,
    keepableExif: { IFD0: {}, IFD2: {} },
    notes: [],
    facts: {
      format: "png",
      mimeType: MIME_TYPES.png,
      width,
      height,
      orientation: 1,
      colourSpace: "srgb",
      iccProfile: false,
      bitDepth: 8,
      hasAlpha: true,
      frames: 1,
      bytes: 0,
      hasLocation: false,
    },
    pixels: { data: asBuffer(data), width, height, channels: 4 },
  };
}

/**
 * The source's pixels as a sharp pipeline: the kept decode when there is one, else its bytes,
 * decoded within its limits. Either way the pixels are upright sRGB once autoOrient() and
 * toColourspace() have run (raw pixels carry no orientation, so autoOrient() keeps them as they
 * are).
 */
export function readSource(source: ImageSource): sharp.Sharp {
  if (!source.pixels) return sharp(source.bytes, decodeOptions(source.limits));
  const { data, width, height, channels } = source.pixels;
  return sharp(data, { raw: { width, height, channels } });
}

/**
 * Decodes the whole (first) image once, with the same guards as every decode, and keeps the
 * pixels on the source: for a file read more than once (a provider's cut-out is searched for the
 * product, then rendered), so a PNG of several megapixels is inflated once, not at every read.
 */
export async function decodeSource(source: ImageSource): Promise<ImageSource> {
  if (source.pixels) return source;
  const channels = source.facts.hasAlpha ? 4 : 3;
  try {
    const image = sharp(source.bytes, decodeOptions(source.limits))
      .autoOrient()
      .toColourspace("srgb");
    const { data, info } = await (channels === 4 ? image.ensureAlpha() : image.removeAlpha())
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    return { ...source, pixels: { data, width: info.width, height: info.height, channels } };
  } catch (error) {
    throw decodeFailure(error, source.bytes, source.facts.format);
  }
}

/**
 * Decodes the whole (first) image once at low resolution, so truncation and broken data are
 * found: headers can be intact while the pixel data is not.
 */
export async function verifyDecodes(source: ImageSource): Promise<void> {
  try {
    await sharp(source.bytes, decodeOptions(source.limits))
      .resize(256, 256, { fit: "inside", withoutEnlargement: true })
      .raw()
      .toBuffer();
  } catch (error) {
    throw decodeFailure(error, source.bytes, source.facts.format);
  }
}

/** The facts `photo-studio inspect` prints: header facts, once the pixel data proved readable. */
export async function inspectImage(
  input: Uint8Array,
  limits: Readonly<IntakeLimits> = DEFAULT_LIMITS,
): Promise<ImageFacts> {
  const source = await openImage(input, limits);
  await verifyDecodes(source);
  return source.facts;
}

export interface SanitizeOptions {
  /**
   * Keep the descriptive EXIF text (camera, lens, dates, artist, copyright). Location, serial
   * numbers, thumbnails, XMP and IPTC are dropped either way.
   */
  keepMetadata?: boolean;
  limits?: Readonly<IntakeLimits>;
}

export interface SanitizedImage {
  bytes: Buffer;
  format: "jpeg" | "png";
  mimeType: string;
  width: number;
  height: number;
  /** Facts of the file as it arrived. */
  original: ImageFacts;
  notes: ImageNote[];
}

/**
 * Content disarm and reconstruction: a fresh file holding only the upright sRGB pixels of the
 * first frame. JPEGs stay JPEG (quality 92, no chroma subsampling, so a second generation is not
 * visibly worse); everything else becomes a lossless PNG, which also keeps transparency.
 */
export async function sanitizeImage(
  input: Uint8Array,
  options: SanitizeOptions = {},
): Promise<SanitizedImage> {
  const source = await openImage(input, options.limits);
  const format = source.facts.format === "jpeg" ? "jpeg" : "png";
  let pipeline = sharp(source.bytes, decodeOptions(source.limits))
    .autoOrient()
    .toColourspace("srgb");
  const { IFD0, IFD2 } = source.keepableExif;
  if (options.keepMetadata && Object.keys(IFD0).length + Object.keys(IFD2).length > 0) {
    pipeline = pipeline.withExif({ IFD0, IFD2 });
  }
  pipeline =
    format === "jpeg" ? pipeline.jpeg({ quality: 92, chromaSubsampling: "4:4:4" }) : pipeline.png();
  try {
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return {
      bytes: data,
      format,
      mimeType: MIME_TYPES[format],
      width: info.width,
      height: info.height,
      original: source.facts,
      notes: [...source.notes],
    };
  } catch (error) {
    throw decodeFailure(error, source.bytes, source.facts.format);
  }
}
