/**
 * The AI operations Photo Studio offers, behind one interface with two implementations: the local
 * provider (embedded default, offline) and Replicate (production). Callers see images as bytes in
 * and bytes out; a provider owns its models, limits, retries and costs.
 */

export type AiOperation = "remove-background" | "upscale" | "scene" | "erase" | "alt-text";

export interface ImageInput {
  bytes: Buffer;
  /** MIME type as identified from the bytes by the image engine's intake, never from a name. */
  mimeType: string;
}

export interface RemoveBackgroundResult {
  /** RGBA PNG of the product with a refined, colour-decontaminated alpha matte. */
  cutout: Buffer;
}

/** The same cut-out as upright 8-bit sRGB pixels, RGBA, interleaved. */
export interface CutoutPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface UpscaleResult {
  image: Buffer;
  factor: 2 | 4;
  /** "ai" when a model synthesised detail; "classical" for resampling (labelled honestly). */
  method: "ai" | "classical";
}

export interface SceneRequest {
  /** The product cut-out (RGBA PNG); it is composited unaltered over the generated scene. */
  cutout: Buffer;
  prompt?: string;
  templateId?: string;
  width: number;
  height: number;
}

export interface EraseRequest {
  image: ImageInput;
  /** Single-channel or RGBA PNG, same size as the image; white marks what to remove. */
  mask: Buffer;
}

export interface AltTextRequest {
  image: ImageInput;
  product?: { title?: string; productType?: string; vendor?: string };
}

/** Options every call accepts: cancellation and an idempotency key the provider may use. */
export interface CallOptions {
  signal?: AbortSignal;
  idempotencyKey?: string;
}

export interface AiProvider {
  readonly name: "local" | "replicate";
  supports(operation: AiOperation): boolean;
  removeBackground(image: ImageInput, options?: CallOptions): Promise<RemoveBackgroundResult>;
  /**
   * removeBackground's cut-out before it is encoded, for a caller that works on its pixels at
   * once (the image engine's presets): writing a 2000 px cut-out's PNG and decoding it again
   * took about 50 ms of CPU. Offered by providers that compute the cut-out here.
   */
  removeBackgroundPixels?(image: ImageInput, options?: CallOptions): Promise<CutoutPixels>;
  upscale(image: ImageInput, factor: 2 | 4, options?: CallOptions): Promise<UpscaleResult>;
  scene(request: SceneRequest, options?: CallOptions): Promise<Buffer>;
  erase(request: EraseRequest, options?: CallOptions): Promise<Buffer>;
  altText(request: AltTextRequest, options?: CallOptions): Promise<string>;
}

/** A provider failure in words a merchant understands, with whether trying again may help. */
export class AiProviderError extends Error {
  override name = "AiProviderError";
  readonly code: string;
  readonly retryable: boolean;
  /** How long to wait before trying again, when the provider knows (a rate limit's Retry-After). */
  readonly retryAfterMs: number | undefined;
  constructor(
    code: string,
    message: string,
    retryable: boolean,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = retryable;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function isAiProviderError(error: unknown): error is AiProviderError {
  return error instanceof AiProviderError;
}
