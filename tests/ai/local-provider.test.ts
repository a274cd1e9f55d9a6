import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { AiProviderError, SCENE_TEMPLATES, createAiProvider } from "../../app/ai";
import { placeCutout } from "../../app/ai/scene/compose.server";
import { catalogPhoto, opaquePixelsKept, rgb, syntheticCutout } from "./support/images";

const provider = createAiProvider("local");
const LAMP = "pierre-chatel-innocenti-483198-unsplash.jpg";

describe("classical upscaling", () => {
  it("upscales 2× and 4× to exactly the factor, labelled classical", async () => {
    const photo = catalogPhoto("oscar-ivan-esquivel-arteaga-687447-unsplash.jpg");
    const small = {
      bytes: await sharp(photo.bytes).resize(400).jpeg().toBuffer(),
      mimeType: "image/jpeg",
    };
    const source = await sharp(small.bytes).metadata();
    for (const factor of [2, 4] as const) {
      const result = await provider.upscale(small, factor);
      expect(result).toMatchObject({ factor, method: "classical" });
      const meta = await sharp(result.image).metadata();
      expect([meta.width, meta.height]).toEqual([source.width! * factor, source.height! * factor]);
    }
  });

  it("keeps transparency when upscaling a cut-out", async () => {
    const result = await provider.upscale(
      { bytes: await syntheticCutout(100, 140), mimeType: "image/png" },
      2,
    );
    const meta = await sharp(result.image).metadata();
    expect(meta).toMatchObject({ format: "png", hasAlpha: true, width: 200, height: 280 });
  });

  it("refuses, before doing any work, an upscale larger than it can handle", async () => {
    const large = createAiProvider("local", { maxUpscalePixels: 1_000_000 });
    const error = await large.upscale(catalogPhoto(LAMP), 4).catch((e) => e);
    expect(error).toBeInstanceOf(AiProviderError);
    expect(error).toMatchObject({ code: "too_large", retryable: false });
    expect(error.message).toContain("1600×1067");
  });
});

describe("studio scene templates", () => {
  it.each(SCENE_TEMPLATES.map((template) => [template.id, template] as const))(
    "builds %s around the cut-out, keeping its opaque pixels identical",
    async (_id, template) => {
      const cutout = await syntheticCutout();
      const scene = await provider.scene({
        cutout,
        templateId: template.id,
        width: 1200,
        height: 900,
      });
      const out = await rgb(scene);
      expect([out.width, out.height]).toEqual([1200, 900]);

      const placed = await placeCutout(cutout, 1200, 900, template.layout);
      const { opaque, changed } = opaquePixelsKept(out, placed);
      expect(opaque).toBeGreaterThan(50_000);
      expect(changed).toBe(0);
      // The product stands on the template's floor line, centred, and is not enlarged.
      expect(placed.raster.width).toBeLessThanOrEqual(500);
      expect(Math.abs(placed.x + placed.raster.width / 2 - 600)).toBeLessThanOrEqual(1);
      // A contact shadow darkens the floor just under the product's base.
      const under = (placed.y + placed.raster.height + 3) * 1200 + 600;
      const aside = (placed.y + placed.raster.height + 3) * 1200 + 60;
      expect(out.data[under * 3]!).toBeLessThan(out.data[aside * 3]! - 10);
    },
  );

  it("answers a prompt that names a template with that template", async () => {
    const cutout = await syntheticCutout();
    const fromPrompt = await provider.scene({
      cutout,
      prompt: "on a polished marble countertop",
      width: 600,
      height: 600,
    });
    const fromTemplate = await provider.scene({
      cutout,
      templateId: "marble",
      width: 600,
      height: 600,
    });
    expect(fromPrompt.equals(fromTemplate)).toBe(true);
  });

  it("says plainly that other prompts need the AI scene service, and which templates exist", async () => {
    const error = await provider
      .scene({
        cutout: await syntheticCutout(),
        prompt: "on a beach at sunset",
        width: 600,
        height: 600,
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(AiProviderError);
    expect(error).toMatchObject({ code: "prompt_not_supported", retryable: false });
    expect(error.message).toContain(
      "White sweep, Soft grey gradient, Warm wood tabletop, Marble counter",
    );
  });

  it("refuses an empty cut-out", async () => {
    const empty = await sharp({
      create: { width: 50, height: 50, channels: 4, background: "#0000" },
    })
      .png()
      .toBuffer();
    await expect(
      provider.scene({ cutout: empty, templateId: "white-sweep", width: 600, height: 600 }),
    ).rejects.toMatchObject({ code: "empty_cutout" });
  });
});

describe("the classical eraser", () => {
  it("removes a drawn blob: the masked area matches the photo that was there, the rest is untouched", async () => {
    const original = catalogPhoto(LAMP);
    const { width, height } = (await sharp(original.bytes).metadata()) as {
      width: number;
      height: number;
    };
    const svg = (body: string) =>
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`,
      );
    const dirty = await sharp(original.bytes)
      .composite([{ input: svg(`<circle cx="1100" cy="500" r="70" fill="#402010"/>`) }])
      .png()
      .toBuffer();
    const mask = await sharp(
      svg(`<rect width="100%" height="100%"/><circle cx="1100" cy="500" r="73" fill="#fff"/>`),
    )
      .png()
      .toBuffer();

    const erased = await rgb(
      await provider.erase({ image: { bytes: dirty, mimeType: "image/png" }, mask }),
    );
    const truth = await rgb(await sharp(original.bytes).png().toBuffer());
    const before = await rgb(dirty);

    let inside = 0;
    let error = 0;
    const meanInside = [0, 0, 0];
    const meanTruth = [0, 0, 0];
    let outsideChanged = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 3;
        const d = Math.hypot(x - 1100, y - 500);
        if (d <= 70) {
          inside++;
          for (let c = 0; c < 3; c++) {
            error += Math.abs(erased.data[o + c]! - truth.data[o + c]!);
            meanInside[c]! += erased.data[o + c]!;
            meanTruth[c]! += truth.data[o + c]!;
          }
        } else if (d > 73 + 4) {
          for (let c = 0; c < 3; c++)
            if (erased.data[o + c] !== before.data[o + c]) outsideChanged++;
        }
      }
    }
    // Per channel, the fill is within a few levels of the wall that was hidden, on average.
    expect(error / (inside * 3)).toBeLessThan(6);
    for (let c = 0; c < 3; c++)
      expect(Math.abs(meanInside[c]! - meanTruth[c]!) / inside).toBeLessThan(4);
    expect(outsideChanged).toBe(0);
  });

  it("refuses a mask whose size differs from the photo's", async () => {
    const mask = await sharp({ create: { width: 10, height: 10, channels: 3, background: "#fff" } })
      .png()
      .toBuffer();
    await expect(provider.erase({ image: catalogPhoto(LAMP), mask })).rejects.toMatchObject({
      code: "mask_size_mismatch",
      retryable: false,
    });
  });
});

describe("alt text from product data", () => {
  it("leads with the title, names vendor and type, and adds only what it measured", async () => {
    const text = await provider.altText({
      image: catalogPhoto("ben-hershey-574483-unsplash.jpg"),
      product: { title: "Tennis Ball", vendor: "Wilson", productType: "Sports" },
    });
    expect(text).toBe("Tennis Ball by Wilson (Sports), on a teal background");
  });

  it("names the colour of a cut-out's product", async () => {
    const text = await provider.altText({
      image: { bytes: await syntheticCutout(), mimeType: "image/png" },
      product: { title: "Amber Bottle" },
    });
    expect(text).toBe("Amber Bottle, orange");
  });

  it("works without product data, without inventing a name", async () => {
    const text = await provider.altText({ image: catalogPhoto(LAMP) });
    expect(text).toBe("Product, on a teal background");
  });
});
