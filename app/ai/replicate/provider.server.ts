/**
 * The production provider: every operation is a Replicate prediction, run by the official
 * `replicate` client over the retrying transport, through the runner's lifecycle. What the model
 * returns is then held to the same promises as the local provider: the product's own pixels in a
 * scene, the photo's own pixels outside an eraser mask, decontaminated cut-out edges, the exact
 * upscale factor.
 */
import Replicate, { type Prediction } from "replicate";
import sharp from "sharp";

import { observeAiCall } from "../../observability/metrics.server.ts";
import { altTextFromCaption } from "../alt-text.ts";
import { withAiErrors } from "../errors.ts";
import { growMask } from "../filters.ts";
import { cutoutFromModelOutputOffThread } from "../cutout-threads.server.ts";
import {
  AiProviderError,
  type AiOperation,
  type AiProvider,
  type AltTextRequest,
  type CallOptions,
  type CutoutPixels,
  type EraseRequest,
  type ImageInput,
  type RemoveBackgroundResult,
  type SceneRequest,
  type UpscaleResult,
} from "../provider.ts";
import {
  MASK_HALO_RADIUS,
  MAX_INPUT_PIXELS,
  decodeMask,
  decodeRaster,
  dropOpaqueAlpha,
  encodePng,
  imageFacts,
  stage,
} from "../raster.server.ts";
import {
  checkSceneSize,
  composeScene,
  placeCutout,
  solidBackground,
} from "../scene/compose.server.ts";
import { SCENE_TEMPLATES, findTemplate } from "../scene/templates.ts";
import { checkUpscale, encodeUpscaled } from "../upscale.server.ts";
import {
  resolveOptions,
  type ReplicateProviderOptions,
  type ResolvedReplicateOptions,
} from "./config.server.ts";
import { SCENE_IMAGE, adapterFor, type InputRequest } from "./models.server.ts";
import { PredictionRunner, type ImageFile, type PredictionResult } from "./runner.server.ts";
import { RateGate, createTransport } from "./transport.server.ts";
import { PredictionUpdates, verifyReplicateWebhook } from "./webhooks.server.ts";

/** The neutral canvas a scene model is shown the product on. */
const GUIDE_CANVAS = [236, 236, 236] as const;
/** Captioning needs no more than this; sending less costs less and uploads faster. */
const CAPTION_INPUT_SIDE = 768;

export class ReplicateAiProvider implements AiProvider {
  readonly name = "replicate" as const;
  private readonly options: ResolvedReplicateOptions;
  private readonly updates = new PredictionUpdates();
  private readonly runner: PredictionRunner;

  constructor(options: ReplicateProviderOptions) {
    this.options = resolveOptions(options);
    const transport = createTransport({
      fetch: this.options.fetch,
      policy: this.options.retry,
      gate: new RateGate(),
    });
    const client = new Replicate({
      auth: this.options.token,
      baseUrl: this.options.baseUrl,
      fetch: transport,
      userAgent: "photo-studio",
      // Outputs are copied by the runner, not handed out as lazily-read FileOutput streams.
      useFileOutput: false,
    });
    this.runner = new PredictionRunner({
      client,
      fetch: transport,
      options: this.options,
      updates: this.updates,
    });
  }

  supports(operation: AiOperation): boolean {
    return operation in this.options.models;
  }

  /** Waits for background work (cancellations, clean-ups) to finish: for tests and shutdown. */
  idle() {
    return this.runner.idle();
  }

  /**
   * The webhook route's whole job (a route such as app/routes/webhooks.replicate.tsx passes it
   * the request): verify the signature on the raw body, then wake whoever waits for that
   * prediction. Answers 401 to a bad signature, 2xx otherwise so Replicate stops retrying.
   */
  async handleWebhook(request: Request): Promise<Response> {
    const webhook = this.options.webhook;
    if (!webhook) return new Response("Replicate webhooks are not configured", { status: 404 });
    if (request.method !== "POST") return new Response(null, { status: 405 });
    const body = await request.text();
    const verdict = verifyReplicateWebhook(request.headers, body, webhook.signingSecret);
    if (!verdict.ok) return new Response(`Webhook refused: ${verdict.reason}`, { status: 401 });
    if (!this.updates.firstDelivery(request.headers.get("webhook-id")!)) {
      return new Response(null, { status: 200 });
    }
    let prediction: Prediction;
    try {
      prediction = JSON.parse(body) as Prediction;
    } catch {
      return new Response("Malformed prediction", { status: 400 });
    }
    if (typeof prediction?.id !== "string" || typeof prediction?.status !== "string") {
      return new Response("Malformed prediction", { status: 400 });
    }
    this.updates.publish(prediction);
    return new Response(null, { status: 200 });
  }

  removeBackground(image: ImageInput, options?: CallOptions): Promise<RemoveBackgroundResult> {
    return withAiErrors("remove-background", options?.signal, async () => {
      const pixels = await this.removeBackgroundPixels(image, options);
      // An intermediate its reader decodes at once: fast beats small.
      const raster = { ...pixels, channels: 4 as const };
      return { cutout: await stage("bg.encode-png", () => encodePng(raster, { fast: true })) };
    });
  }

  removeBackgroundPixels(image: ImageInput, options?: CallOptions): Promise<CutoutPixels> {
    return withAiErrors("remove-background", options?.signal, async () => {
      const { images } = await stage("bg.predict", () =>
        this.predict("remove-background", { image }, {}, options),
      );
      // The model's matte over the photo's own pixels, with the local provider's edge colour
      // decontamination: no fringe of the old background, whichever model cut it out.
      return stage("bg.cutout", () => cutoutFromModelOutputOffThread(image.bytes, images[0]!));
    });
  }

  upscale(image: ImageInput, factor: 2 | 4, options?: CallOptions): Promise<UpscaleResult> {
    return withAiErrors("upscale", options?.signal, async () => {
      const facts = await imageFacts(image.bytes);
      checkUpscale(facts, factor);
      const { images } = await this.predict("upscale", { image }, { factor }, options);
      const width = facts.width * factor;
      const height = facts.height * factor;
      const model = images[0]!;
      const output = await sharp(model, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
      const exact =
        output.format === "png" &&
        output.width === width &&
        output.height === height &&
        (output.orientation ?? 1) === 1 &&
        output.space === "srgb" &&
        output.depth === "uchar" &&
        !output.hasProfile &&
        output.hasAlpha === true &&
        facts.hasAlpha;
      // The model's file already keeps every promise (exact factor, transparency, lossless): it
      // goes to the image engine as it is, whose intake decodes it within its limits like any
      // upload. Decoding and re-encoding it here cost more than the rest of the upscale.
      if (exact) return { image: model, factor, method: "ai" };
      let result = sharp(model, { limitInputPixels: MAX_INPUT_PIXELS })
        .rotate()
        .toColourspace("srgb")
        .resize(width, height, { fit: "fill", kernel: "lanczos3" });
      if (facts.hasAlpha && !output.hasAlpha) {
        // Upscalers often drop transparency: bring the photo's own back, resampled.
        const alpha = await sharp(image.bytes, { limitInputPixels: MAX_INPUT_PIXELS })
          .rotate()
          .ensureAlpha()
          .extractChannel("alpha")
          .resize(width, height, { fit: "fill", kernel: "lanczos3" })
          .raw()
          .toBuffer();
        const colour = await result.removeAlpha().raw().toBuffer();
        result = sharp(colour, { raw: { width, height, channels: 3 } }).joinChannel(alpha, {
          raw: { width, height, channels: 1 },
        });
      }
      return { image: await encodeUpscaled(result, facts.hasAlpha), factor, method: "ai" };
    });
  }

  scene(request: SceneRequest, options?: CallOptions): Promise<Buffer> {
    return withAiErrors("scene", options?.signal, async () => {
      const { width, height } = request;
      checkSceneSize(width, height);
      const template = request.templateId ? findTemplate(request.templateId) : null;
      const prompt = request.prompt?.trim() || template?.prompt;
      if (!prompt) {
        throw new AiProviderError(
          "invalid_request",
          "Choose a scene template or describe a scene.",
          false,
        );
      }
      const product = await placeCutout(
        request.cutout,
        width,
        height,
        (template ?? SCENE_TEMPLATES[0]!).layout,
      );
      const adapter = adapterFor("scene", this.options.models.scene);
      const images: Record<string, ImageFile> = {};
      if (adapter.images.includes(SCENE_IMAGE.guide)) {
        // The product where it will end up, so the model paints light and shadow around it.
        const guide = await composeScene(solidBackground(width, height, GUIDE_CANVAS), product);
        images[SCENE_IMAGE.guide] = { bytes: guide, mimeType: "image/png" };
      }
      if (adapter.images.includes(SCENE_IMAGE.cutout)) {
        images[SCENE_IMAGE.cutout] = { bytes: request.cutout, mimeType: "image/png" };
      }
      // A merchant's own prompt replaces the template's, and with it what the template avoids.
      const avoid = request.prompt?.trim() ? undefined : template?.negativePrompt;
      const { images: painted } = await this.predict("scene", images, { prompt, avoid }, options);
      const { data } = await sharp(painted[0]!)
        .rotate()
        .toColourspace("srgb")
        .resize(width, height, { fit: "cover" })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      // A generative model redraws the product; the merchant's own cut-out goes back on top.
      return composeScene({ data: new Uint8Array(data), width, height, channels: 3 }, product);
    });
  }

  erase(request: EraseRequest, options?: CallOptions): Promise<Buffer> {
    return withAiErrors("erase", options?.signal, async () => {
      const photo = await decodeRaster(request.image.bytes, 4);
      const { width, height } = photo;
      const mask = await decodeMask(request.mask, width, height);
      const maskPng = await sharp(mask, { raw: { width, height, channels: 1 } })
        .png()
        .toBuffer();
      const { images } = await this.predict(
        "erase",
        { image: request.image, mask: { bytes: maskPng, mimeType: "image/png" } },
        {},
        options,
      );
      const { data } = await sharp(images[0]!)
        .rotate()
        .toColourspace("srgb")
        .resize(width, height, { fit: "fill" })
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      // The model re-encodes the whole photo; outside the mask the photo's own pixels are kept.
      const region = growMask(mask, width, height, MASK_HALO_RADIUS);
      const out = new Uint8Array(photo.data);
      for (let i = 0; i < region.length; i++) {
        if (region[i]) out.set(data.subarray(i * 4, i * 4 + 3), i * 4);
      }
      return encodePng(dropOpaqueAlpha({ data: out, width, height, channels: 4 }));
    });
  }

  altText(request: AltTextRequest, options?: CallOptions): Promise<string> {
    return withAiErrors("alt-text", options?.signal, async () => {
      const small = await sharp(request.image.bytes)
        .rotate()
        .resize(CAPTION_INPUT_SIDE, CAPTION_INPUT_SIDE, { fit: "inside", withoutEnlargement: true })
        .flatten({ background: "#ffffff" })
        .jpeg({ quality: 85 })
        .toBuffer();
      const { prediction } = await this.predict(
        "alt-text",
        { image: { bytes: small, mimeType: "image/jpeg" } },
        {},
        options,
        "value",
      );
      const caption = Array.isArray(prediction.output)
        ? prediction.output.join("")
        : String(prediction.output ?? "");
      if (!caption.trim()) {
        throw new AiProviderError(
          "unexpected_output",
          "The AI service returned no description for this photo. Try again.",
          true,
        );
      }
      return altTextFromCaption(request.product ?? {}, caption);
    });
  }

  private predict(
    operation: AiOperation,
    images: Record<string, ImageFile>,
    request: InputRequest,
    call: CallOptions | undefined,
    output: "images" | "value" = "images",
  ): Promise<PredictionResult> {
    const model = this.options.models[operation];
    const adapter = adapterFor(operation, model);
    return observeAiCall({ provider: "replicate", model: model.name, operation }, () =>
      this.runner.run(
        { operation, model, images, input: (refs) => adapter.input(refs, request), output },
        call,
      ),
    );
  }
}
