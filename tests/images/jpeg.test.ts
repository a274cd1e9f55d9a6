/**
 * Metadata-free JPEGs without re-encoding (app/images/jpeg.ts): the description goes, every byte
 * that encodes pixels stays.
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { stripJpegMetadata } from "../../app/images/jpeg";
import { fixture, jpegWithGps } from "./support";

/** The JPEG with a segment (marker, payload) inserted right after its start-of-image marker. */
function withSegment(jpeg: Buffer, marker: number, payload: Buffer) {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xff00 | marker, 0);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

async function decoded(jpeg: Buffer) {
  return sharp(jpeg).raw().toBuffer();
}

describe("stripping a JPEG's metadata", () => {
  it("drops EXIF with its GPS position, XMP and comments, and keeps every pixel", async () => {
    const xmp =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      '<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="Paris"/>' +
      "</rdf:RDF></x:xmpmeta>";
    let original = await sharp(await jpegWithGps(), { failOn: "none" })
      .jpeg({ progressive: true })
      .keepExif()
      .withXmp(xmp)
      .toBuffer();
    original = withSegment(original, 0xfe, Buffer.from("shot by the owner at home"));
    expect((await sharp(original).metadata()).exif).toBeDefined();

    const stripped = stripJpegMetadata(original)!;
    const meta = await sharp(stripped).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.comments ?? []).toEqual([]);
    expect(stripped.includes(Buffer.from("Paris"))).toBe(false);
    expect(stripped.includes(Buffer.from("owner"))).toBe(false);
    expect(meta.isProgressive).toBe(true);
    expect((await decoded(stripped)).equals(await decoded(original))).toBe(true);
  });

  it("drops an ICC profile", async () => {
    const original = await sharp(fixture("Landscape_1.jpg")).withIccProfile("p3").jpeg().toBuffer();
    expect((await sharp(original).metadata()).hasProfile).toBe(true);
    expect((await sharp(stripJpegMetadata(original)!).metadata()).hasProfile).toBe(false);
  });

  it("drops whatever trails the image, such as the second image of a multi-picture file", async () => {
    const first = await sharp(fixture("Landscape_1.jpg")).jpeg().toBuffer();
    const second = await sharp(fixture("Landscape_2.jpg")).jpeg().toBuffer();
    const stripped = stripJpegMetadata(Buffer.concat([first, second]))!;
    expect(stripped.length).toBeLessThanOrEqual(first.length);
    expect(stripped.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect((await decoded(stripped)).equals(await decoded(first))).toBe(true);
  });

  it("keeps Adobe's marker, which says how the colours are encoded", async () => {
    // "Adobe", version 100, no flags, transform 1 (YCbCr): what this JPEG's data really is.
    const adobe = Buffer.from([0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, 1]);
    const original = withSegment(
      await sharp(fixture("Landscape_1.jpg")).jpeg().toBuffer(),
      0xee,
      adobe,
    );
    const stripped = stripJpegMetadata(original)!;
    expect(stripped.includes(adobe)).toBe(true);
    expect((await decoded(stripped)).equals(await decoded(original))).toBe(true);
  });

  it("gives up (null) on a file whose structure it cannot follow to the end", async () => {
    expect(stripJpegMetadata(fixture("truncated.jpg"))).toBeNull();
    expect(stripJpegMetadata(fixture("corrupt-header.jpg"))).toBeNull();
    expect(stripJpegMetadata(Buffer.from([0xff, 0xd8, 0x12, 0x34, 0x56]))).toBeNull();
    const clean = await sharp(fixture("Landscape_1.jpg")).jpeg().toBuffer();
    const lying = Buffer.from(clean);
    lying.writeUInt16BE(0xfff0, 4); // the first segment claims to run past the end
    expect(stripJpegMetadata(lying)).toBeNull();
    expect(stripJpegMetadata(fixture("blackbug.png"))).toBeNull();
  });
});
