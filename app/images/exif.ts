/**
 * The little of a photo's metadata the engine reads itself: whether it says where the photo was
 * taken, and the descriptive text tags a merchant may choose to keep. Output files are written
 * without the input's metadata blocks; when the merchant keeps metadata, only the tags listed
 * here are written back, so a location can never ride along in a tag nobody thought of.
 */

/** EXIF text tags worth keeping: what took the photo, when, and who owns it (sharp's names). */
const KEEPABLE_TAGS = {
  IFD0: {
    0x010e: "ImageDescription",
    0x010f: "Make",
    0x0110: "Model",
    0x0131: "Software",
    0x0132: "DateTime",
    0x013b: "Artist",
    0x8298: "Copyright",
  },
  // libvips numbers the Exif sub-IFD "ifd2" (ifd1 is the thumbnail, ifd3 GPS).
  IFD2: {
    0x9003: "DateTimeOriginal",
    0x9004: "DateTimeDigitized",
    0xa433: "LensMake",
    0xa434: "LensModel",
  },
} as const;

const EXIF_IFD_POINTER = 0x8769;
const GPS_IFD_POINTER = 0x8825;
const ASCII = 2;
/** A real IFD has a few dozen entries; a bound keeps a hostile count from looping for long. */
const MAX_ENTRIES = 1024;
const MAX_TEXT_LENGTH = 2000;

export interface KeepableExif {
  IFD0: Record<string, string>;
  IFD2: Record<string, string>;
}

export interface ExifSummary {
  hasLocation: boolean;
  keepable: KeepableExif;
}

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Where the entry's 4-byte value field sits (values of up to 4 bytes live there). */
  fieldOffset: number;
  /** That field read as a number: the value itself, or where a longer value starts. */
  field: number;
}

class TiffReader {
  readonly view: DataView;
  readonly little: boolean;
  constructor(tiff: Uint8Array) {
    this.view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
    this.little = this.view.getUint16(0) === 0x4949;
  }
  fits(offset: number, length: number) {
    return offset >= 0 && length >= 0 && offset + length <= this.view.byteLength;
  }
  u16(offset: number) {
    return this.view.getUint16(offset, this.little);
  }
  u32(offset: number) {
    return this.view.getUint32(offset, this.little);
  }
  entries(ifdOffset: number): Entry[] {
    if (!this.fits(ifdOffset, 2)) return [];
    const count = Math.min(this.u16(ifdOffset), MAX_ENTRIES);
    const entries: Entry[] = [];
    for (let index = 0; index < count; index++) {
      const at = ifdOffset + 2 + index * 12;
      if (!this.fits(at, 12)) break;
      entries.push({
        tag: this.u16(at),
        type: this.u16(at + 2),
        count: this.u32(at + 4),
        fieldOffset: at + 8,
        field: this.u32(at + 8),
      });
    }
    return entries;
  }
  text(entry: Entry): string | null {
    const start = entry.count <= 4 ? entry.fieldOffset : entry.field;
    if (entry.type !== ASCII || !this.fits(start, entry.count)) return null;
    const bytes = new Uint8Array(
      this.view.buffer,
      this.view.byteOffset + start,
      Math.min(entry.count, MAX_TEXT_LENGTH),
    );
    const value = new TextDecoder("latin1")
      .decode(bytes)
      .replace(/\0[\s\S]*$/, "")
      // Printable text only: control characters have no place in a caption or a camera name.
      .replace(/\p{Cc}/gu, "")
      .trim();
    return value === "" ? null : value;
  }
}

function tiffPart(blob: Uint8Array): Uint8Array | null {
  // sharp hands over a JPEG's APP1 payload ("Exif\0\0" + TIFF); PNG and WebP carry bare TIFF.
  const start = blob.length >= 6 && String.fromCharCode(...blob.subarray(0, 4)) === "Exif" ? 6 : 0;
  const tiff = blob.subarray(start);
  if (tiff.length < 8) return null;
  const order = String.fromCharCode(tiff[0]!, tiff[1]!);
  return order === "II" || order === "MM" ? tiff : null;
}

function collect(
  reader: TiffReader,
  entries: Entry[],
  names: Readonly<Record<number, string>>,
  into: Record<string, string>,
) {
  for (const entry of entries) {
    const name = names[entry.tag];
    const value = name ? reader.text(entry) : null;
    if (name && value) into[name] = value;
  }
}

export function readExif(blob: Uint8Array | undefined): ExifSummary {
  const summary: ExifSummary = { hasLocation: false, keepable: { IFD0: {}, IFD2: {} } };
  const tiff = blob ? tiffPart(blob) : null;
  if (!tiff) return summary;
  const reader = new TiffReader(tiff);
  const ifd0 = reader.entries(reader.u32(4));
  summary.hasLocation = ifd0.some((entry) => entry.tag === GPS_IFD_POINTER);
  collect(reader, ifd0, KEEPABLE_TAGS.IFD0, summary.keepable.IFD0);
  const exifPointer = ifd0.find((entry) => entry.tag === EXIF_IFD_POINTER);
  if (exifPointer) {
    collect(reader, reader.entries(exifPointer.field), KEEPABLE_TAGS.IFD2, summary.keepable.IFD2);
  }
  return summary;
}

/** XMP and IPTC blocks can name a place too (GPS copies, city, sublocation, country). */
export function otherMetadataHasLocation(xmp?: Uint8Array, iptc?: Uint8Array): boolean {
  if (
    xmp &&
    /GPS(Latitude|Longitude)|photoshop:City|Iptc4xmpCore:Location/.test(
      Buffer.from(xmp).toString("latin1"),
    )
  ) {
    return true;
  }
  if (!iptc) return false;
  // IIM datasets 2:90 city, 2:92 sublocation, 2:95 province/state, 2:101 country.
  for (let index = 0; index + 2 < iptc.length; index++) {
    if (
      iptc[index] === 0x1c &&
      iptc[index + 1] === 0x02 &&
      [90, 92, 95, 101].includes(iptc[index + 2]!)
    ) {
      return true;
    }
  }
  return false;
}
