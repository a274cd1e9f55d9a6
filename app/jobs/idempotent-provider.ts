/**
 * Gives every AI call of one job item a stable idempotency key: "<prefix>:<operation>:<n>", n
 * counting calls of that operation. The image pipeline calls the provider in the same order each
 * time it runs, so a retry after a crash asks with the same keys and the provider (Replicate's
 * ledger) follows the prediction already paid for instead of starting a second one.
 */
import type { AiOperation, AiProvider, CallOptions, ImageInput } from "../ai/provider.ts";

export function withIdempotencyKeys(provider: AiProvider, prefix: string): AiProvider {
  const calls = new Map<AiOperation, number>();
  const keyed = (operation: AiOperation, options?: CallOptions): CallOptions => {
    const n = calls.get(operation) ?? 0;
    calls.set(operation, n + 1);
    return { ...options, idempotencyKey: `${prefix}:${operation}:${n}` };
  };
  return {
    name: provider.name,
    supports: (operation) => provider.supports(operation),
    removeBackground: (image, options) =>
      provider.removeBackground(image, keyed("remove-background", options)),
    // The same operation: a rerun that takes the other path still follows the same prediction.
    ...(provider.removeBackgroundPixels && {
      removeBackgroundPixels: (image: ImageInput, options?: CallOptions) =>
        provider.removeBackgroundPixels!(image, keyed("remove-background", options)),
    }),
    upscale: (image, factor, options) => provider.upscale(image, factor, keyed("upscale", options)),
    scene: (request, options) => provider.scene(request, keyed("scene", options)),
    erase: (request, options) => provider.erase(request, keyed("erase", options)),
    altText: (request, options) => provider.altText(request, keyed("alt-text", options)),
  };
}
