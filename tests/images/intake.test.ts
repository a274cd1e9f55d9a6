import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { ImageError } from "../../app/images/errors";
import { readExif } from "../../app/images/exif";
import { inspectImage, openImage, sanitizeImage } from "../../app/images/intake";
import { DEFAULT_LIMITS } from "../../app/images/limits";
import { fixture, jpegWithGps, meanAbsDiff, pixels, withJpegDimensions } from "./support";

async function refusal(promise: Promise<unknown>): Promise<ImageError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ImageError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("identification by bytes", () => {
  it("refuses an SVG whatever it is called, as not a photo", async () => {
    const error = await refusal(openImage(fixture("circle.svg")));
    expect(error.code).toBe("not_a_photo");
    expect(error.message).toMatch(/SVG drawing, not a photo/);
  });

  it("refuses PDF, HTML and unknown bytes, and names HEIC with advice", async () => {
    expect((await refusal(openImage(Buffer.from("%PDF-1.7\n1 0 obj")))).code).toBe("not_a_photo");
    expect((await refusal(openImage(Buffer.from("<!doctype html><p>hi")))).code).toBe(
      "not_a_photo",
    );
    expect((await refusal(openImage(Buffer.from("just some text")))).code).toBe(
      "unsupported_format",
    );
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from("ftypheic\0\0\0\0mif1heic"),
      Buffer.alloc(64),
    ]);
    const error = await refusal(openImage(heic));
    expect(error.code).toBe("unsupported_format");
    expect(error.message).toMatch(/HEIC.*Most Compatible/);
  });

  it("refuses an empty file", async () => {
    expect((await refusal(openImage(Buffer.alloc(0)))).code).toBe("empty_file");
  });
});

describe("limits, checked from the header before decoding", () => {
  it("refuses the 65,536 × 65,536 PNG bomb in milliseconds", async () => {
    const bomb = fixture("65536-uint32-limit.png");
    const started = performance.now();
    const error = await refusal(openImage(bomb));
    const elapsed = performance.now() - started;
    expect(error.code).toBe("dimensions_too_large");
    expect(error.details).toMatchObject({ width: 65536, height: 65536 });
    expect(elapsed).toBeLessThan(500);
  });

  it("refuses a 20,000 × 14,000 JPEG without allocating it", async () => {
    const giant = withJpegDimensions(fixture("Landscape_1.jpg"), 20_000, 14_000);
    const before = process.memoryUsage().rss;
    const error = await refusal(inspectImage(giant));
    expect(error.code).toBe("dimensions_too_large");
    expect(error.message).toMatch(/20,000 × 14,000 pixels/);
    // 280 megapixels decoded would be 840 MB; the refusal costs next to nothing.
    expect(process.memoryUsage().rss - before).toBeLessThan(50_000_000);
  });

  it("refuses too many pixels, too many frames and too large a file, by the limits given", async () => {
    const photo = fixture("Landscape_1.jpg");
    const pixelsError = await refusal(openImage(photo, { ...DEFAULT_LIMITS, maxPixels: 100_000 }));
    expect(pixelsError.code).toBe("too_many_pixels");
    const framesError = await refusal(
      openImage(fixture("rotating-squares.gif"), { ...DEFAULT_LIMITS, maxFrames: 10 }),
    );
    expect(framesError.code).toBe("too_many_frames");
    const bytesError = await refusal(openImage(photo, { ...DEFAULT_LIMITS, maxBytes: 1000 }));
    expect(bytesError.code).toBe("file_too_large");
  });
});

describe("damaged files", () => {
  it.each(["truncated.jpg", "truncated.png"])("refuses %s as truncated", async (name) => {
    // The header is intact, so only decoding the pixels finds the missing end.
    await expect(openImage(fixture(name))).resolves.toBeDefined();
    const error = await refusal(inspectImage(fixture(name)));
    expect(error.code).toBe("truncated");
    expect((await refusal(sanitizeImage(fixture(name)))).code).toBe("truncated");
  });

  it("refuses a JPEG whose header is cut short as corrupt", async () => {
    expect((await refusal(inspectImage(fixture("corrupt-header.jpg")))).code).toBe("corrupt");
  });
});

describe("reconstruction", () => {
  it.each([2, 3, 4, 5, 6, 7, 8])("turns EXIF orientation %i upright", async (orientation) => {
    const upright = await pixels((await sanitizeImage(fixture("Landscape_1.jpg"))).bytes);
    const result = await sanitizeImage(fixture(`Landscape_${orientation}.jpg`));
    const facts = await sharp(result.bytes).metadata();
    expect(facts.orientation).toBeUndefined();
    expect([result.width, result.height]).toEqual([600, 450]);
    // Same picture: a wrong turn or mirror differs by ~70 on this photo, re-encoding by ~5.
    expect(meanAbsDiff(await pixels(result.bytes), upright)).toBeLessThan(12);
  });

  it.each([
    "Channel_digital_image_CMYK_color.jpg",
    "Channel_digital_image_CMYK_color_no_profile.jpg",
  ])("converts CMYK (%s) to sRGB", async (name) => {
    const result = await sanitizeImage(fixture(name));
    const facts = await sharp(result.bytes).metadata();
    expect(facts.space).toBe("srgb");
    expect(facts.channels).toBe(3);
    // Without a profile a generic CMYK one is assumed, so both files give nearly the same
    // picture (8.8 apart here; ink values read as RGB would be ~85 apart).
    const withProfile = await pixels(
      (await sanitizeImage(fixture("Channel_digital_image_CMYK_color.jpg"))).bytes,
    );
    expect(meanAbsDiff(await pixels(result.bytes), withProfile)).toBeLessThan(15);
  });

  it("converts a wide-gamut (Display P3) photo to sRGB values", async () => {
    const green = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: 0, g: 200, b: 0 } },
    })
      .withIccProfile("p3")
      .jpeg({ quality: 100, chromaSubsampling: "4:4:4" })
      .toBuffer();
    const stored = await pixels(sharp(green, { ignoreIcc: true }));
    // In P3 numbers the same green is not (0, 200, 0)...
    expect(Math.abs(stored.data[0]! - 0)).toBeGreaterThan(30);
    const result = await sanitizeImage(green);
    const [r, g, b] = (await pixels(result.bytes)).data;
    // ...and intake turns it back into sRGB numbers.
    expect(Math.abs(r! - 0)).toBeLessThan(12);
    expect(Math.abs(g! - 200)).toBeLessThan(12);
    expect(Math.abs(b! - 0)).toBeLessThan(12);
  });

  it("reduces a 16-bit grey PNG with alpha to an 8-bit sRGB PNG that keeps the alpha", async () => {
    const result = await sanitizeImage(fixture("16-bit-grey-alpha.png"));
    const facts = await sharp(result.bytes).metadata();
    expect(result.format).toBe("png");
    expect(facts).toMatchObject({ depth: "uchar", space: "srgb", hasAlpha: true });
  });

  it("uses the first frame of animations and says so", async () => {
    for (const [name, frames] of [
      ["rotating-squares.gif", 30],
      ["animated-loop-3.webp", 10],
    ] as const) {
      const result = await sanitizeImage(fixture(name));
      const facts = await sharp(result.bytes).metadata();
      expect(facts.pages ?? 1).toBe(1);
      expect(result.original.frames).toBe(frames);
      expect(result.notes.map((note) => note.code)).toContain("first_frame_only");
      const first = await pixels(sharp(fixture(name), { page: 0, pages: 1 }), 4);
      expect(meanAbsDiff(await pixels(result.bytes, 4), first)).toBeLessThan(1);
    }
  });

  it("reads an AVIF holding several images, using the first", async () => {
    const facts = await inspectImage(fixture("pitm.avif"));
    expect(facts).toMatchObject({ format: "avif", mimeType: "image/avif", frames: 5 });
  });

  it("strips GPS and every other metadata block by default", async () => {
    const withGps = await jpegWithGps();
    const source = await openImage(withGps);
    expect(source.facts.hasLocation).toBe(true);
    const result = await sanitizeImage(withGps);
    const facts = await sharp(result.bytes).metadata();
    expect(facts.exif).toBeUndefined();
    expect(facts.xmp).toBeUndefined();
    expect(facts.icc).toBeUndefined();
    expect(result.notes.map((note) => note.code)).toContain("location_removed");
    expect(result.bytes.includes(Buffer.from("PhotoCam"))).toBe(false);
  });

  it("keeps camera, date and copyright when asked, but never the location or serial number", async () => {
    const result = await sanitizeImage(await jpegWithGps(), { keepMetadata: true });
    const exif = readExif((await sharp(result.bytes).metadata()).exif);
    expect(exif.hasLocation).toBe(false);
    expect(exif.keepable.IFD0).toMatchObject({
      Make: "PhotoCam",
      Model: "Model 7",
      Copyright: "Studio Owner",
    });
    expect(exif.keepable.IFD2).toMatchObject({ DateTimeOriginal: "2024:05:01 10:00:00" });
    expect(result.bytes.includes(Buffer.from("SERIAL-123456"))).toBe(false);
    expect(result.bytes.includes(Buffer.from("GPS"))).toBe(false);
  });
});

describe("inspect", () => {
  it("reports the facts of a photo as it is seen", async () => {
    expect(await inspectImage(fixture("Landscape_6.jpg"))).toEqual({
      format: "jpeg",
      mimeType: "image/jpeg",
      width: 600,
      height: 450,
      orientation: 6,
      colourSpace: "srgb",
      iccProfile: true,
      bitDepth: 8,
      hasAlpha: false,
      frames: 1,
      bytes: 137628,
      hasLocation: false,
    });
    expect(await inspectImage(fixture("Channel_digital_image_CMYK_color.jpg"))).toMatchObject({
      colourSpace: "cmyk",
      iccProfile: true,
    });
  });
});
