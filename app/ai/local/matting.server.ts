/**
 * Local background removal: ISNet segmentation through the optional, AGPL-3.0
 * @imgly/background-removal-node (loaded only when first needed), at the photo's full resolution
 * up to a limit, then the matte refinement and colour decontamination of ../matte.ts.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

import sharp from "sharp";

import { Semaphore, abortReason } from "../concurrency.ts";
import { cutoutFromMatteOffThread } from "../cutout-threads.server.ts";
import { DEFAULT_MAX_MATTING_PIXELS } from "../matte.ts";
import { AiProviderError } from "../provider.ts";
import { decodePhoto, type Raster } from "../raster.server.ts";

const SEGMENTER_PACKAGE = "@imgly/background-removal-node";
/** ISNet's input size; the package resizes anything else to it. */
const SEGMENTATION_SIZE = 1024;

/** The part of @imgly/background-removal-node this module uses. */
export interface Segmenter {
  removeBackground(image: Blob, configuration: Record<string, unknown>): Promise<Blob>;
}

export type SegmenterLoader = () => Promise<{ segmenter: Segmenter; publicPath: string }>;

export function modelNotInstalled(cause?: unknown) {
  return new AiProviderError(
    "model_not_installed",
    "Background removal model not installed. Photo Studio's offline background removal needs " +
      `its optional model package (${SEGMENTER_PACKAGE}); ask whoever runs Photo Studio to ` +
      "install it, or to switch AI edits to the Replicate provider.",
    false,
    { cause },
  );
}

/**
 * Loads the package at run time, so Photo Studio installs and runs without it (npm
 * --omit=optional, or a licence policy that excludes AGPL code). The specifier is a variable so
 * that neither TypeScript nor the Remix bundler resolves it at build time.
 */
export function segmenterLoader(specifier: string = SEGMENTER_PACKAGE): SegmenterLoader {
  return async () => {
    try {
      const entry = createRequire(import.meta.url).resolve(specifier);
      const segmenter = (await import(specifier)) as Segmenter;
      // The package defaults to node_modules/ under the current directory for its model files.
      return { segmenter, publicPath: `${pathToFileURL(path.dirname(entry)).href}/` };
    } catch (error) {
      throw modelNotInstalled(error);
    }
  };
}

export interface MattingOptions {
  loader?: SegmenterLoader;
  /** "medium" (88 MB, the package's default) or "small" (quantised, 44 MB, a little rougher). */
  model?: "small" | "medium";
  maxPixels?: number;
}

export class IsnetMatting {
  private readonly loader: SegmenterLoader;
  private readonly model: "small" | "medium";
  private readonly maxPixels: number;
  private loading: ReturnType<SegmenterLoader> | null = null;
  /** ONNX inference already uses every core; running two at once only makes both slower. */
  private readonly inference = new Semaphore(1);

  constructor(options: MattingOptions = {}) {
    this.loader = options.loader ?? segmenterLoader();
    this.model = options.model ?? "medium";
    this.maxPixels = options.maxPixels ?? DEFAULT_MAX_MATTING_PIXELS;
  }

  /**
   * Loads the model and runs it once on a blank image: the first inference also builds the ONNX
   * session and optimises its graph, seconds a merchant should not wait for.
   */
  async warmUp() {
    await this.segment({ data: new Uint8Array(32 * 32 * 3), width: 32, height: 32 });
  }

  /** The RGBA cut-out of the photo's product. */
  async cutout(bytes: Buffer, signal?: AbortSignal): Promise<Raster> {
    const photo = await decodePhoto(bytes, this.maxPixels);
    checkAborted(signal);
    const coarse = await this.segment(photo, signal);
    checkAborted(signal);
    const rgba = await cutoutFromMatteOffThread(photo.data, coarse, photo.width, photo.height, {
      refine: true,
    });
    return { data: rgba, width: photo.width, height: photo.height, channels: 4 };
  }

  /** ISNet's matte, resampled from 1024×1024 to the photo's size, as [0, 1] floats. */
  async segment(
    photo: { data: Uint8Array; width: number; height: number },
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    const { segmenter, publicPath } = await this.segmenter();
    const input = await sharp(photo.data, {
      raw: { width: photo.width, height: photo.height, channels: 3 },
    })
      .resize(SEGMENTATION_SIZE, SEGMENTATION_SIZE, { fit: "fill", kernel: "lanczos3" })
      .ensureAlpha()
      .raw()
      .toBuffer();
    const blob = new Blob([new Uint8Array(input)], {
      type: `image/x-rgba8;width=${SEGMENTATION_SIZE};height=${SEGMENTATION_SIZE}`,
    });
    const result = await this.inference.run(async () => {
      try {
        return await segmenter.removeBackground(blob, {
          publicPath,
          model: this.model,
          output: { format: "image/x-rgba8" },
        });
      } catch (error) {
        throw new AiProviderError(
          "segmentation_failed",
          "Background removal failed on this photo. Try again; if it keeps failing, try another photo.",
          true,
          { cause: error },
        );
      }
    }, signal);
    const rgbaMask = new Uint8Array(await result.arrayBuffer());
    const mask = new Uint8Array(SEGMENTATION_SIZE * SEGMENTATION_SIZE);
    for (let i = 0; i < mask.length; i++) mask[i] = rgbaMask[i * 4 + 3]!;
    const resized = await sharp(mask, {
      raw: { width: SEGMENTATION_SIZE, height: SEGMENTATION_SIZE, channels: 1 },
    })
      .resize(photo.width, photo.height, { fit: "fill", kernel: "cubic" })
      // sharp widens single-channel raw input to sRGB; keep one channel.
      .extractChannel(0)
      .raw()
      .toBuffer();
    const coarse = new Float32Array(photo.width * photo.height);
    for (let i = 0; i < coarse.length; i++) coarse[i] = resized[i]! / 255;
    return coarse;
  }

  private segmenter() {
    if (!this.loading) {
      this.loading = this.loader();
      // A failed load is not cached: installing the package must not need a restart.
      this.loading.catch(() => (this.loading = null));
    }
    return this.loading;
  }
}

function checkAborted(signal?: AbortSignal) {
  if (signal?.aborted) throw abortReason(signal);
}
