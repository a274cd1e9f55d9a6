/**
 * The AI steps of a preset, through the AiProvider interface (a small deterministic provider
 * stands in for the real ones, which have their own tests in tests/ai/).
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { processImage } from "../../app/images/pipeline";
import {
  fixture,
  jpegWithGps,
  nonWhiteBox,
  pixelAt,
  pixels,
  productShot,
  TestProvider,
} from "./support";

describe("background removal through the provider", () => {
  it("sends an upright, metadata-free JPEG and frames the cut-out on pure white", async () => {
    const provider = new TestProvider(["remove-background"]);
    const result = await processImage(await productShot(2400, 1800), "amazon", { provider });
    expect(provider.calls).toEqual([
      { operation: "remove-background", mimeType: "image/jpeg", width: 2400, height: 1800 },
    ]);
    expect(result.product.found).toBe("removed");
    const image = await pixels(result.bytes);
    // The grey sweep is gone: only the disc is not white, and it fills 85% of the frame.
    const box = nonWhiteBox(image, 250)!;
    expect(Math.max(box.width, box.height) / 2000).toBeCloseTo(0.85, 1);
    expect(pixelAt(image, box.left + 5, box.top + 5)).toEqual([255, 255, 255]);
    expect(pixelAt(image, 1000, 1000)[0]).toBeGreaterThan(150);
  });

  it("sends a plain JPEG's own pixels with its metadata dropped, not a re-encoded copy", async () => {
    const photo = await jpegWithGps();
    const provider = new TestProvider(["remove-background"]);
    const result = await processImage(photo, "amazon", { provider });
    const [sent] = provider.inputs;
    const meta = await sharp(sent!).metadata();
    expect(meta.exif).toBeUndefined();
    expect(sent!.includes(Buffer.from("SERIAL-123456"))).toBe(false);
    expect((await pixels(sent!)).data.equals((await pixels(photo)).data)).toBe(true);
    expect(result.notes.map((item) => item.code)).toContain("location_removed");
  });

  it("turns a photo stored on its side upright before sending it", async () => {
    const provider = new TestProvider(["remove-background"]);
    await processImage(fixture("Landscape_6.jpg"), "amazon", { provider });
    const meta = await sharp(provider.inputs[0]!).metadata();
    expect([meta.width, meta.height]).toEqual([600, 450]);
    expect(meta.orientation ?? 1).toBe(1);
    expect(meta.exif).toBeUndefined();
  });

  it("refuses a photo cut short before anything is sent", async () => {
    const provider = new TestProvider(["remove-background"]);
    await expect(
      processImage(fixture("truncated.jpg"), "amazon", { provider }),
    ).rejects.toMatchObject({ code: "truncated" });
    expect(provider.calls).toEqual([]);
  });

  it("reduces large photos to 12 megapixels before sending them", async () => {
    const provider = new TestProvider(["remove-background"]);
    await processImage(await productShot(4800, 3600), "temu", { provider });
    const [call] = provider.calls;
    expect(call!.width * call!.height).toBeLessThanOrEqual(12_000_000);
    expect(call!.width / call!.height).toBeCloseTo(4 / 3, 2);
  });

  it("does not call the provider for a photo that is already a cut-out", async () => {
    const provider = new TestProvider();
    const result = await processImage(fixture("blackbug.png"), "shopify", { provider });
    expect(provider.calls.map((call) => call.operation)).not.toContain("remove-background");
    expect(result.product.found).toBe("transparent");
  });

  it("puts what the provider sends back through intake like any upload", async () => {
    const provider = new TestProvider(["remove-background"]);
    provider.cutoutOverride = fixture("circle.svg");
    await expect(
      processImage(await productShot(800, 600), "amazon", { provider }),
    ).rejects.toMatchObject({ code: "not_a_photo" });
    provider.cutoutOverride = fixture("65536-uint32-limit.png");
    await expect(
      processImage(await productShot(800, 600), "amazon", { provider }),
    ).rejects.toMatchObject({ code: "dimensions_too_large" });
  });

  it("lays the cut-out's shadow only where the preset allows one", async () => {
    const provider = new TestProvider(["remove-background"]);
    const shot = await productShot(1200, 1200);
    const withShadow = await pixels((await processImage(shot, "shopify", { provider })).bytes);
    const without = await pixels((await processImage(shot, "amazon", { provider })).bytes);
    const darkBelow = (image: typeof without) => {
      const box = nonWhiteBox(image, 254)!;
      return box.top - (image.height - box.top - box.height);
    };
    // Shopify's shadow reaches further below the disc than above it; Amazon's frame is symmetric.
    expect(darkBelow(withShadow)).toBeGreaterThan(5);
    expect(Math.abs(darkBelow(without))).toBeLessThanOrEqual(2);
  });
});

describe("enlargement through the provider", () => {
  it("asks the provider to upscale a small product, then flags an enlargement over 2x", async () => {
    const provider = new TestProvider();
    const result = await processImage(await productShot(600, 600), "amazon", { provider });
    const upscale = provider.calls.find((call) => call.operation === "upscale");
    expect(upscale).toMatchObject({ mimeType: "image/png" });
    expect(result.enlargement.method).toBe("ai");
    expect(result.enlargement.factor).toBeGreaterThan(2);
    expect(result.notes.map((item) => item.code)).toContain("upscaled_over_2x");
    expect((await sharp(result.bytes).metadata()).width).toBe(2000);
  });

  it("resamples classically when the provider does not upscale", async () => {
    const provider = new TestProvider(["remove-background"]);
    const result = await processImage(await productShot(600, 600), "amazon", { provider });
    expect(result.enlargement.method).toBe("classical");
    expect(provider.calls.map((call) => call.operation)).toEqual(["remove-background"]);
  });
});
