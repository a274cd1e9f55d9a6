/**
 * The embedded, offline provider: real ML background removal (ISNet) when its optional package
 * is installed, and honest classical methods for the rest: Lanczos upscaling labelled
 * "classical", procedural studio templates, membrane inpainting, alt text from product data.
 */
import { observeAiCall } from "../../observability/metrics.server.ts";
import { altTextFromFacts } from "../alt-text.ts";
import { withAiErrors } from "../errors.ts";
import { measurePictureFacts } from "../picture-facts.server.ts";
import { encodePng } from "../raster.server.ts";
import type {
  AiOperation,
  AiProvider,
  AltTextRequest,
  CallOptions,
  CutoutPixels,
  EraseRequest,
  ImageInput,
  RemoveBackgroundResult,
  SceneRequest,
  UpscaleResult,
} from "../provider.ts";
import { renderBackdrop } from "../scene/backdrop.server.ts";
import { checkSceneSize, composeScene, placeCutout } from "../scene/compose.server.ts";
import { resolveTemplate } from "../scene/templates.ts";
import { eraseClassically } from "./inpaint.server.ts";
import { IsnetMatting, type MattingOptions } from "./matting.server.ts";
import { DEFAULT_MAX_UPSCALE_PIXELS } from "../upscale.server.ts";
import { upscaleClassically } from "./upscale.server.ts";

export interface LocalProviderOptions {
  matting?: MattingOptions;
  maxUpscalePixels?: number;
}

/** What does each operation locally, as the metrics name it. */
const LOCAL_MODELS: Record<AiOperation, string> = {
  "remove-background": "isnet",
  upscale: "lanczos",
  scene: "studio-templates",
  erase: "membrane-inpainting",
  "alt-text": "product-facts",
};

export class LocalAiProvider implements AiProvider {
  readonly name = "local" as const;
  private readonly matting: IsnetMatting;
  private readonly maxUpscalePixels: number;

  constructor(options: LocalProviderOptions = {}) {
    this.matting = new IsnetMatting(options.matting);
    this.maxUpscalePixels = options.maxUpscalePixels ?? DEFAULT_MAX_UPSCALE_PIXELS;
  }

  supports(operation: AiOperation): boolean {
    // Every operation has a local answer; scenes from free-text prompts are the exception the
    // scene method explains (it maps a prompt to the closest template, or says it cannot).
    return ["remove-background", "upscale", "scene", "erase", "alt-text"].includes(operation);
  }

  /** Every operation: the error contract (withAiErrors), timed into the provider metrics. */
  private call<T>(operation: AiOperation, signal: AbortSignal | undefined, task: () => Promise<T>) {
    return observeAiCall({ provider: "local", model: LOCAL_MODELS[operation], operation }, () =>
      withAiErrors(operation, signal, task),
    );
  }

  /** Loads the segmentation model now rather than on the first merchant's photo. */
  warmUp() {
    return this.matting.warmUp();
  }

  removeBackground(image: ImageInput, options?: CallOptions): Promise<RemoveBackgroundResult> {
    return this.call("remove-background", options?.signal, async () => ({
      cutout: await encodePng(await this.matting.cutout(image.bytes, options?.signal)),
    }));
  }

  removeBackgroundPixels(image: ImageInput, options?: CallOptions): Promise<CutoutPixels> {
    return this.call("remove-background", options?.signal, () =>
      this.matting.cutout(image.bytes, options?.signal),
    );
  }

  upscale(image: ImageInput, factor: 2 | 4, options?: CallOptions): Promise<UpscaleResult> {
    return this.call("upscale", options?.signal, () =>
      upscaleClassically(image.bytes, factor, this.maxUpscalePixels),
    );
  }

  scene(request: SceneRequest, options?: CallOptions): Promise<Buffer> {
    return this.call("scene", options?.signal, async () => {
      checkSceneSize(request.width, request.height);
      const template = resolveTemplate(request);
      const [product, backdrop] = await Promise.all([
        placeCutout(request.cutout, request.width, request.height, template.layout),
        renderBackdrop(template.backdrop, request.width, request.height, seedFor(template.id)),
      ]);
      return composeScene(backdrop, product, {
        shadow: template.shadow,
        reflection: template.reflection,
      });
    });
  }

  erase(request: EraseRequest, options?: CallOptions): Promise<Buffer> {
    return this.call("erase", options?.signal, () => eraseClassically(request));
  }

  altText(request: AltTextRequest, options?: CallOptions): Promise<string> {
    return this.call("alt-text", options?.signal, async () =>
      altTextFromFacts(request.product ?? {}, await measurePictureFacts(request.image.bytes)),
    );
  }
}

/** The same template always paints the same wood and marble. */
function seedFor(id: string) {
  let hash = 2166136261;
  for (const char of id) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return hash >>> 0;
}
