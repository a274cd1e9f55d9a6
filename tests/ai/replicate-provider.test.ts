import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { AiProviderError, createAiProvider } from "../../app/ai";
import type { AiProvider } from "../../app/ai/provider";
import { processImage } from "../../app/images/pipeline";
import { placeCutout } from "../../app/ai/scene/compose.server";
import { findTemplate } from "../../app/ai/scene/templates";
import {
  opaquePixelsKept,
  rgb,
  rgba,
  syntheticCutout,
  syntheticProductPhoto,
} from "./support/images";
import { EMULATED_MODELS, type FakeModel } from "../../emulators/replicate/src/models";
import { startTestReplicate } from "./support/replicate";

let replicate: Awaited<ReturnType<typeof startTestReplicate>>;

beforeAll(async () => {
  replicate = await startTestReplicate();
});
afterAll(() => replicate.close());
beforeEach(() => replicate.emulator.reset());

describe("the Replicate provider, through the real replicate client and the emulator", () => {
  it("removes a background and returns an RGBA cut-out of the photo's size", async () => {
    const photo = await syntheticProductPhoto();
    const { cutout } = await replicate.provider().removeBackground(photo);

    const out = await rgba(cutout);
    expect([out.width, out.height]).toEqual([640, 480]);
    const alpha = (x: number, y: number) => out.data[(y * out.width + x) * 4 + 3];
    expect(alpha(5, 5)).toBe(0);
    expect(alpha(634, 474)).toBe(0);
    expect(alpha(320, 300)).toBe(255);
    // Opaque pixels are the photo's own (#c0392b in the red box).
    expect([...out.data.subarray((300 * 640 + 320) * 4, (300 * 640 + 320) * 4 + 3)]).toEqual([
      192, 57, 43,
    ]);
    expect(replicate.emulator.stats.predictionsCreated).toBe(1);
  });

  it("hands the image engine the cut-out's pixels, the same as its PNG", async () => {
    const photo = await syntheticProductPhoto();
    const provider = replicate.provider();
    const { cutout } = await provider.removeBackground(photo);
    const pixels = await provider.removeBackgroundPixels(photo);
    const decoded = await rgba(cutout);
    expect([pixels.width, pixels.height]).toEqual([decoded.width, decoded.height]);
    expect(Buffer.from(pixels.data).equals(decoded.data)).toBe(true);

    // A preset through the pixels is the preset through the file, byte for byte.
    const filesOnly: AiProvider = {
      name: provider.name,
      supports: (operation) => provider.supports(operation),
      removeBackground: (image, options) => provider.removeBackground(image, options),
      upscale: (image, factor, options) => provider.upscale(image, factor, options),
      scene: (request, options) => provider.scene(request, options),
      erase: (request, options) => provider.erase(request, options),
      altText: (request, options) => provider.altText(request, options),
    };
    const viaPixels = await processImage(photo.bytes, "amazon", { provider });
    const viaFile = await processImage(photo.bytes, "amazon", { provider: filesOnly });
    expect(viaPixels.product.found).toBe("removed");
    expect(viaPixels.bytes.equals(viaFile.bytes)).toBe(true);
    expect(viaPixels.notes).toEqual(viaFile.notes);
  });

  it("upscales 2× and 4× with the configured model, labelled ai, at exactly the factor", async () => {
    const photo = await syntheticProductPhoto(300, 200);
    const provider = replicate.provider();
    for (const factor of [2, 4] as const) {
      const result = await provider.upscale(photo, factor);
      expect(result.method).toBe("ai");
      expect(result.factor).toBe(factor);
      const meta = await sharp(result.image).metadata();
      expect([meta.width, meta.height]).toEqual([300 * factor, 200 * factor]);
    }
    const inputs = replicate.emulator.allPredictions().map((p) => p.input as { scale: number });
    expect(inputs.map((input) => input.scale).sort()).toEqual([2, 4]);
  });

  it("paints a scene from a prompt but pastes the merchant's own cut-out back, pixel for pixel", async () => {
    const cutout = await syntheticCutout();
    const scene = await replicate
      .provider()
      .scene({ cutout, prompt: "on a sunny beach at golden hour", width: 1000, height: 1000 });

    const out = await rgb(scene);
    expect([out.width, out.height]).toEqual([1000, 1000]);
    // The emulated model tints the product it is shown; the provider must undo that exactly.
    const placed = await placeCutout(cutout, 1000, 1000, findTemplate("white-sweep").layout);
    const { opaque, changed } = opaquePixelsKept(out, placed);
    expect(opaque).toBeGreaterThan(50_000);
    expect(changed).toBe(0);
    // And the background is the model's painting, not the neutral canvas it was shown.
    expect([out.data[0], out.data[1], out.data[2]]).not.toEqual([236, 236, 236]);
    const prediction = replicate.emulator.allPredictions()[0]!;
    expect(prediction.model).toBe("black-forest-labs/flux-kontext-pro");
    expect((prediction.input as { prompt: string }).prompt).toContain("sunny beach");
    // The merchant's own words replace the template's, and so what the template avoids.
    expect((prediction.input as { prompt: string }).prompt).not.toContain("Do not show");
  });

  it("tells the scene model what a template's scene must not show", async () => {
    const cutout = await sharp({
      create: {
        width: 200,
        height: 200,
        channels: 4,
        background: { r: 200, g: 40, b: 40, alpha: 1 },
      },
    })
      .png()
      .toBuffer();
    await replicate.provider().scene({ cutout, templateId: "marble", width: 400, height: 400 });
    const input = replicate.emulator.allPredictions().at(-1)!.input as { prompt: string };
    expect(input.prompt).toContain(findTemplate("marble").prompt);
    expect(input.prompt).toContain(`Do not show: ${findTemplate("marble").negativePrompt}.`);
  });

  it("erases the masked area with the eraser model and keeps every pixel outside the mask", async () => {
    const photo = await syntheticProductPhoto();
    const mask = await sharp(
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="640" height="480" fill="black"/><circle cx="320" cy="144" r="64" fill="white"/></svg>`,
      ),
    )
      .png()
      .toBuffer();
    const erased = await rgb(await replicate.provider().erase({ image: photo, mask }));
    const original = await rgb(photo.bytes);

    const at = (image: typeof erased, x: number, y: number) => [
      ...image.data.subarray((y * 640 + x) * 3, (y * 640 + x) * 3 + 3),
    ];
    // The blue disc is gone: its centre now has the colour of what surrounded it.
    expect(at(erased, 320, 144)).not.toEqual(at(original, 320, 144));
    let changedOutside = 0;
    for (let y = 0; y < 480; y++) {
      for (let x = 0; x < 640; x++) {
        if (Math.hypot(x - 320, y - 144) <= 64 + 3) continue;
        if (at(erased, x, y).join() !== at(original, x, y).join()) changedOutside++;
      }
    }
    expect(changedOutside).toBe(0);
  });

  it("writes alt text that leads with the product's title and uses the captioner's sentence", async () => {
    const photo = await syntheticProductPhoto();
    const text = await replicate.provider().altText({
      image: photo,
      product: { title: "Travel Mug", vendor: "Acme", productType: "Mugs" },
    });
    expect(text).toBe("Travel Mug by Acme (Mugs): a red product on a white background");
    // Captioning does not need the full photo: a small JPEG is sent.
    const input = replicate.emulator.allPredictions()[0]!.input as { image: string };
    expect(input.image.startsWith("data:image/jpeg;base64,")).toBe(true);
  });

  it("sends photos over the inline limit through the files API and deletes them afterwards", async () => {
    const photo = await syntheticProductPhoto();
    await replicate.provider({ inlineFileLimitBytes: 0 }).removeBackground(photo);

    expect(replicate.emulator.stats.filesCreated).toBe(1);
    expect(replicate.emulator.stats.filesDeleted).toBe(1);
    expect(replicate.emulator.storedFileIds()).toEqual([]);
    const input = replicate.emulator.allPredictions().at(-1)!.input as { image: string };
    expect(input.image).toMatch(/\/v1\/files\/[a-z0-9]+$/);
  });

  it("reuses the prediction of an idempotency key instead of creating (and paying for) another", async () => {
    const provider = replicate.provider();
    const photo = await syntheticProductPhoto();
    const first = await provider.removeBackground(photo, { idempotencyKey: "job-7/item-3" });
    const again = await provider.removeBackground(photo, { idempotencyKey: "job-7/item-3" });

    expect(again.cutout.equals(first.cutout)).toBe(true);
    expect(replicate.emulator.stats.predictionsCreated).toBe(1);
  });

  it("turns a wrong API token into a non-retryable error a merchant can read", async () => {
    const provider = replicate.provider({ token: "r8_wrong" });
    const error = await provider.removeBackground(await syntheticProductPhoto()).catch((e) => e);
    expect(error).toBeInstanceOf(AiProviderError);
    expect(error).toMatchObject({ code: "not_authorized", retryable: false });
    expect(error.message).toMatch(/Replicate API token/);
  });

  it("refuses at creation a model it has no input adapter for, naming the setting", () => {
    expect(() =>
      createAiProvider("replicate", {
        token: "r8_x",
        models: { upscale: "someone/mystery-upscaler" },
      }),
    ).toThrow(/REPLICATE_MODEL_UPSCALE: .*someone\/mystery-upscaler/);
  });
});

describe("an upscaler's output", () => {
  const realEsrgan = EMULATED_MODELS.find((model) => model.name === "real-esrgan")!;
  let sent: Buffer | null = null;
  /** Stands in for real-esrgan: upscales, but keeps or drops transparency as told. */
  let keepAlpha = true;
  const upscaler: FakeModel = {
    ...realEsrgan,
    async run(input, context) {
      const source = await context.readImage("image");
      const { width = 0, height = 0 } = await sharp(source).metadata();
      const scale = input.scale as number;
      const resized = sharp(source).resize(width * scale, height * scale, { kernel: "lanczos3" });
      sent = await (keepAlpha ? resized.png() : resized.flatten().jpeg()).toBuffer();
      return {
        files: [
          {
            name: keepAlpha ? "out.png" : "out.jpg",
            contentType: keepAlpha ? "image/png" : "image/jpeg",
            bytes: sent,
          },
        ],
        logs: "",
      };
    },
  };
  let own: Awaited<ReturnType<typeof startTestReplicate>>;
  beforeAll(async () => {
    own = await startTestReplicate({
      models: [...EMULATED_MODELS.filter((model) => model !== realEsrgan), upscaler],
    });
  });
  afterAll(() => own.close());

  it("goes to the engine as it is when it keeps every promise (size, transparency, PNG)", async () => {
    keepAlpha = true;
    const cutout = await syntheticCutout(250, 350);
    const result = await own.provider().upscale({ bytes: cutout, mimeType: "image/png" }, 2);
    expect(result.image.equals(sent!)).toBe(true);
    const meta = await sharp(result.image).metadata();
    expect([meta.width, meta.height, meta.hasAlpha]).toEqual([500, 700, true]);
  });

  it("gets the cut-out's transparency back when the model drops it", async () => {
    keepAlpha = false;
    const cutout = await syntheticCutout(250, 350);
    const result = await own.provider().upscale({ bytes: cutout, mimeType: "image/png" }, 2);
    const out = await rgba(result.image);
    expect([out.width, out.height]).toEqual([500, 700]);
    const alpha = (x: number, y: number) => out.data[(y * 500 + x) * 4 + 3];
    expect(alpha(5, 5)).toBe(0);
    expect(alpha(250, 450)).toBe(255);
    // The colour is the model's, where the product is.
    const model = await rgb(sent!);
    const at = (450 * 500 + 250) * 3;
    expect([...out.data.subarray((450 * 500 + 250) * 4, (450 * 500 + 250) * 4 + 3)]).toEqual([
      ...model.data.subarray(at, at + 3),
    ]);
  });
});
