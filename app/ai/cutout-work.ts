/**
 * What a cut-out thread computes (cutout-thread.ts), and the calling thread too when there are no
 * threads (cutout-threads.server.ts): the request and reply shapes and the computation. Plain
 * TypeScript with relative imports only, for the thread's sake.
 */
import { cutoutFromMatte } from "./matte.ts";
import { cutoutFromModelOutput } from "./model-cutout.ts";
import { AiProviderError } from "./provider.ts";

export type CutoutRequest =
  | { id: number; kind: "model-output"; photo: Uint8Array; output: Uint8Array }
  | {
      id: number;
      kind: "matte";
      rgb: Uint8Array;
      matte: Float32Array;
      width: number;
      height: number;
      refine: boolean;
    };

/** A provider error keeps its code and retryability across the thread boundary. */
export type CutoutFailure = { message: string; code?: string; retryable?: boolean };

export type CutoutReply =
  | { id: number; rgba: Uint8Array; width: number; height: number }
  | { id: number; error: CutoutFailure };

export type CutoutTask = DistributiveOmit<CutoutRequest, "id">;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export async function computeCutout(
  request: CutoutTask,
): Promise<{ rgba: Uint8Array; width: number; height: number }> {
  if (request.kind === "model-output") {
    const { data, width, height } = await cutoutFromModelOutput(request.photo, request.output);
    return { rgba: data, width, height };
  }
  const { rgb, matte, width, height, refine } = request;
  return { rgba: cutoutFromMatte(rgb, matte, width, height, { refine }), width, height };
}

/** The failure as it crosses to the calling thread (as data: errors lose their class there). */
export function describeFailure(error: unknown): CutoutFailure {
  if (error instanceof AiProviderError) {
    return { message: error.message, code: error.code, retryable: error.retryable };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The failure again as an error, on the calling thread. */
export function failureError(failure: CutoutFailure): Error {
  return failure.code === undefined
    ? new Error(failure.message)
    : new AiProviderError(failure.code, failure.message, failure.retryable ?? false);
}
