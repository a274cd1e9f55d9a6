/**
 * Every error a job step can meet, reduced to what the job needs: a code for filters and billing,
 * a message the merchant can act on, and whether trying again may help. Errors we do not know are
 * retried (the queue bounds the attempts) and reported with a generic message; their details go
 * to the log, never to the merchant.
 */
export interface StepFailure {
  code: string;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
}

interface Classified {
  code?: unknown;
  retryable?: unknown;
  retryAfterMs?: unknown;
  message?: unknown;
  name?: unknown;
}

/** Errors whose class promises a merchant-readable message and an explicit retryable flag. */
const KNOWN_ERRORS = new Set([
  "AiProviderError",
  "ShopifyAdminError",
  "WriteBackError",
  "ImageDownloadError",
  "StorageError",
  "StorageNotFoundError",
  "ProductBusyError",
  "CatalogError",
]);

export function classifyFailure(error: unknown): StepFailure {
  const e = (error ?? {}) as Classified;
  if (e.name === "ImageError" && typeof e.code === "string") {
    // The image engine refused the photo (corrupt, hostile, too large): the same bytes will be
    // refused again.
    return { code: e.code, message: String(e.message), retryable: false };
  }
  if (typeof e.name === "string" && KNOWN_ERRORS.has(e.name) && typeof e.code === "string") {
    return {
      code: e.code,
      message: String(e.message),
      retryable: e.retryable === true,
      ...(typeof e.retryAfterMs === "number" ? { retryAfterMs: e.retryAfterMs } : {}),
    };
  }
  return {
    code: "internal_error",
    message: "Something went wrong on our side while working on this image.",
    retryable: true,
  };
}

/** Thrown by a step to hand a retryable failure back to the queue, which retries with backoff. */
export class RetryableStepError extends Error {
  override name = "RetryableStepError";
  readonly failure: StepFailure;
  constructor(failure: StepFailure, options?: { cause?: unknown }) {
    super(failure.message, options);
    this.failure = failure;
  }
}
