/**
 * The error contract both providers keep: whatever goes wrong reaches the caller as an
 * AiProviderError whose message a merchant can read and whose `retryable` says whether the same
 * request may work later. Details for logs stay in `cause`.
 */
import { AiProviderError, type AiOperation } from "./provider.ts";

/** How each operation is named to a merchant. */
export const OPERATION_LABELS: Record<AiOperation, string> = {
  "remove-background": "background removal",
  upscale: "upscaling",
  scene: "product scene",
  erase: "object removal",
  "alt-text": "alt text",
};

export function canceledError(operation: AiOperation, cause?: unknown) {
  return new AiProviderError(
    "canceled",
    `The ${OPERATION_LABELS[operation]} was canceled before it finished.`,
    false,
    { cause },
  );
}

function isAbort(error: unknown) {
  return (
    error instanceof DOMException && (error.name === "AbortError" || error.name === "TimeoutError")
  );
}

/**
 * Runs one operation and turns anything unexpected into an AiProviderError: an abort of the
 * caller's signal becomes "canceled", other surprises a retryable "internal_error".
 */
export async function withAiErrors<T>(
  operation: AiOperation,
  signal: AbortSignal | undefined,
  task: () => Promise<T>,
): Promise<T> {
  try {
    if (signal?.aborted) throw signal.reason;
    return await task();
  } catch (error) {
    if (error instanceof AiProviderError) throw error;
    if (signal?.aborted || isAbort(error)) throw canceledError(operation, error);
    throw new AiProviderError(
      "internal_error",
      `Photo Studio hit an unexpected problem during the ${OPERATION_LABELS[operation]}. Try again.`,
      true,
      { cause: error },
    );
  }
}
