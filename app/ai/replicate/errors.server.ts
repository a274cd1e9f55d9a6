/**
 * Replicate's failures in a merchant's words. The raw detail (status, Replicate's message, the
 * model's traceback) stays in `cause` for the logs; merchants see what happened and whether
 * trying again may help.
 */
import type { Prediction } from "replicate";

import { OPERATION_LABELS } from "../errors.ts";
import { AiProviderError, type AiOperation } from "../provider.ts";
import {
  ORIGINAL_STATUS_HEADER,
  RETRY_AFTER_MS_HEADER,
  TRANSPORT_FAILURE_HEADER,
  type TransportFailure,
} from "./transport.server.ts";

interface ApiErrorLike {
  response: Response;
  message: string;
}

export function asApiError(error: unknown): ApiErrorLike | null {
  return error instanceof Error && "response" in error && error.response instanceof Response
    ? (error as unknown as ApiErrorLike)
    : null;
}

/** The transport's verdict carried by an ApiError, if the request failed there. */
export function transportFailureOf(error: unknown): TransportFailure | null {
  const header = asApiError(error)?.response.headers.get(TRANSPORT_FAILURE_HEADER);
  return (header as TransportFailure | null) ?? null;
}

/** A failed API request (not a failed prediction) as an AiProviderError. */
export function requestError(
  error: unknown,
  operation: AiOperation,
  model: string,
): AiProviderError {
  if (error instanceof AiProviderError) return error;
  const label = OPERATION_LABELS[operation];
  const api = asApiError(error);
  const failure = transportFailureOf(error);
  const status = Number(api?.response.headers.get(ORIGINAL_STATUS_HEADER) ?? api?.response.status);
  if (failure === "rate-limited") {
    return new AiProviderError(
      "rate_limited",
      "The AI service is busy right now. Photo Studio will try again shortly.",
      true,
      {
        cause: error,
        retryAfterMs: Number(api?.response.headers.get(RETRY_AFTER_MS_HEADER)) || undefined,
      },
    );
  }
  if (failure === "no-answer") {
    return new AiProviderError(
      "unreachable",
      "Photo Studio couldn't reach the AI service. Try again in a moment.",
      true,
      { cause: error },
    );
  }
  if (failure === "server-error" || status >= 500) {
    return new AiProviderError(
      "service_unavailable",
      "The AI service had a temporary problem. Try again in a moment.",
      true,
      { cause: error },
    );
  }
  if (status === 401 || status === 403) {
    return new AiProviderError(
      "not_authorized",
      "Photo Studio couldn't sign in to its AI service (Replicate). Whoever runs Photo Studio " +
        "needs to check its Replicate API token.",
      false,
      { cause: error },
    );
  }
  if (status === 402) {
    return new AiProviderError(
      "out_of_credit",
      "Photo Studio's AI service account is out of credit. Whoever runs Photo Studio needs to " +
        "add credit on Replicate.",
      false,
      { cause: error },
    );
  }
  if (status === 404 || (status === 422 && /version/i.test(api?.message ?? ""))) {
    return new AiProviderError(
      "model_unavailable",
      `The AI model for ${label} (${model}) isn't available. Whoever runs Photo Studio needs to ` +
        "check its model settings.",
      false,
      { cause: error },
    );
  }
  if (status === 422 || status === 413 || status === 400) {
    return new AiProviderError(
      "rejected_input",
      `The AI service couldn't accept this photo for ${label}. Try another photo.`,
      false,
      { cause: error },
    );
  }
  return new AiProviderError(
    "request_failed",
    `Photo Studio's request for ${label} failed. Try again; if it keeps failing, contact support.`,
    status >= 500 || Number.isNaN(status),
    { cause: error },
  );
}

const CONTENT_RULES = /nsfw|safety|flagged|moderat|sensitive|inappropriate/i;
const TRANSIENT = /out of memory|cuda|timed? ?out|timeout|worker|capacity|unavailable|interrupted/i;
const BAD_INPUT =
  /invalid|must be|unsupported|cannot identify|too (large|small)|resolution|decode/i;

/** A prediction that ended "failed" (or "aborted") as an AiProviderError. */
export function predictionFailure(prediction: Prediction, operation: AiOperation): AiProviderError {
  const label = OPERATION_LABELS[operation];
  const detail = String(prediction.error ?? prediction.status);
  const cause = new Error(`Replicate prediction ${prediction.id} ${prediction.status}: ${detail}`);
  if (CONTENT_RULES.test(detail)) {
    return new AiProviderError(
      "content_declined",
      "The AI service declined this photo under its content rules.",
      false,
      { cause },
    );
  }
  if (BAD_INPUT.test(detail) && !TRANSIENT.test(detail)) {
    return new AiProviderError(
      "rejected_input",
      `The AI model couldn't work with this photo for ${label}. Try another photo.`,
      false,
      { cause },
    );
  }
  return new AiProviderError(
    "model_failed",
    `The AI model couldn't finish the ${label}. Try again; if it keeps failing, try another photo.`,
    true,
    { cause },
  );
}
