/**
 * Metadata-free JPEGs without re-encoding: the segments that describe the photo rather than
 * encode it (EXIF and its GPS and thumbnail, XMP, IPTC, ICC, comments, maker data, MPF and
 * whatever trails the image) are dropped and every byte that encodes pixels is copied as it is.
 * The pixels are then exactly the original's, where a decode and re-encode would cost a
 * generation of quality and tens of milliseconds per photo.
 *
 * Only a file whose structure is read to the end (segment lengths within the file, an
 * end-of-image marker after the last scan) is rewritten; anything else gives null, and the
 * caller re-encodes instead.
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP14 = 0xee;

/** APP0 "JFIF\0" with no thumbnail (16 bytes with its length): density only, harmless. */
function isBareJfif(segment: Buffer) {
  return segment.length === 18 && segment.toString("latin1", 4, 9) === "JFIF\0";
}

/**
 * APP14 "Adobe" tells decoders whether three channels are YCbCr or RGB (and four, YCCK or CMYK):
 * dropping it would change the colours.
 */
function isAdobe(segment: Buffer) {
  return segment.toString("latin1", 4, 9) === "Adobe";
}

/**
 * The segments that encode pixels: frame headers (SOFn), Huffman and arithmetic-coding tables,
 * quantisation tables, restart interval, scans, number of lines, expansion. Everything else (APPn,
 * comments, extensions) describes the photo or is unknown, and goes: if a decoder needed it, the
 * copy fails its decode check and the photo is re-encoded instead.
 */
function encodesPixels(marker: number) {
  return (
    (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc8) ||
    (marker >= 0xda && marker <= 0xdd) ||
    marker === 0xdf
  );
}

function kept(marker: number, segment: Buffer) {
  if (encodesPixels(marker)) return true;
  return (marker === APP0 && isBareJfif(segment)) || (marker === APP14 && isAdobe(segment));
}

/** The JPEG without its metadata segments and trailing data, or null if its structure is odd. */
export function stripJpegMetadata(bytes: Buffer): Buffer | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return null;
  const parts: Buffer[] = [bytes.subarray(0, 2)];
  let at = 2;
  for (;;) {
    if (at + 1 >= bytes.length || bytes[at] !== 0xff) return null;
    // Any number of 0xFF fill bytes may precede a marker.
    while (at + 1 < bytes.length && bytes[at + 1] === 0xff) at++;
    if (at + 1 >= bytes.length) return null;
    const marker = bytes[at + 1]!;
    if (marker === EOI) {
      parts.push(bytes.subarray(at, at + 2));
      return Buffer.concat(parts);
    }
    // Standalone markers (TEM, RSTn) have no place between segments of a well-formed file.
    if (marker === 0x01 || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd8)) return null;
    if (at + 4 > bytes.length) return null;
    const length = bytes.readUInt16BE(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > bytes.length) return null;
    const segment = bytes.subarray(at, end);
    if (kept(marker, segment)) parts.push(segment);
    at = end;
    if (marker !== SOS) continue;
    // Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a restart
    // marker (RSTn); that marker (another table, scan or the end) is read as a segment above.
    let scan = at;
    for (;;) {
      scan = bytes.indexOf(0xff, scan);
      if (scan < 0 || scan + 1 >= bytes.length) return null;
      const next = bytes[scan + 1]!;
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) scan += 2;
      else if (next === 0xff) scan += 1;
      else break;
    }
    parts.push(bytes.subarray(at, scan));
    at = scan;
  }
}
