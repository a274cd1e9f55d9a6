/**
 * The Replicate provider's settings: explicit options, or the environment (names below), checked
 * when the provider is created so a bad setting is reported at start-up, by name.
 */
import { z } from "zod";

import type { AiOperation } from "../provider.ts";
import type { PredictionLedger } from "./ledger.server.ts";
import { DEFAULT_MODELS, adapterFor, parseModelRef, type ModelRef } from "./models.server.ts";
import type { RetryPolicy } from "./transport.server.ts";

export interface ReplicateProviderOptions {
  /** API token (REPLICATE_API_TOKEN). */
  token: string;
  /** API base URL (REPLICATE_BASE_URL); the emulator's in tests and the offline demo. */
  baseUrl?: string;
  /** The fetch underneath the retrying transport (defaults to the global fetch). */
  fetch?: typeof fetch;
  /** Model per operation (REPLICATE_MODEL_<OPERATION>): "owner/name" or "owner/name:version". */
  models?: Partial<Record<AiOperation, string>>;
  /** Predictions in flight at once, per process (REPLICATE_MAX_CONCURRENT_PREDICTIONS). */
  maxConcurrentPredictions?: number;
  /** Where Replicate posts prediction updates, and the secret they are signed with. */
  webhook?: { url: string; signingSecret: string } | null;
  /** Polling: every `pollIntervalMs` with webhooks (a fallback), else from 500 ms growing to it. */
  pollIntervalMs?: number;
  /** A prediction not finished by then is canceled and reported as timed out. */
  predictionTimeoutMs?: number;
  /** `Prefer: wait=n` on creation: fast models answer in the create response (0 turns it off). */
  syncWaitSeconds?: number;
  retry?: Partial<RetryPolicy>;
  ledger?: PredictionLedger;
  /** Images up to this size travel inline as data URIs (Replicate advises under 1 MB); larger
   * ones go through Replicate's files API and are deleted once the prediction is over. */
  inlineFileLimitBytes?: number;
  /** Pause before searching Replicate's list for a prediction whose creation went unanswered. */
  lookupDelayMs?: number;
}

export interface ResolvedReplicateOptions extends Required<
  Omit<ReplicateProviderOptions, "fetch" | "models" | "webhook" | "ledger" | "retry">
> {
  fetch: typeof fetch | undefined;
  models: Record<AiOperation, ModelRef>;
  webhook: { url: string; signingSecret: string } | null;
  ledger: PredictionLedger | undefined;
  retry: Partial<RetryPolicy>;
}

const OPERATION_ENV: Record<AiOperation, string> = {
  "remove-background": "REPLICATE_MODEL_REMOVE_BACKGROUND",
  upscale: "REPLICATE_MODEL_UPSCALE",
  scene: "REPLICATE_MODEL_SCENE",
  erase: "REPLICATE_MODEL_ERASE",
  "alt-text": "REPLICATE_MODEL_ALT_TEXT",
};

export class ReplicateConfigError extends Error {
  override name = "ReplicateConfigError";
}

const envSchema = z
  .object({
    REPLICATE_API_TOKEN: z
      .string({ required_error: "is missing: an API token from replicate.com/account/api-tokens" })
      .trim()
      .min(1, "is empty"),
    REPLICATE_BASE_URL: z.string().trim().url("is not a URL").optional(),
    REPLICATE_WEBHOOK_URL: z.string().trim().url("is not a URL").optional(),
    REPLICATE_WEBHOOK_SIGNING_SECRET: z
      .string()
      .trim()
      .regex(/^whsec_[A-Za-z0-9+/=]+$/, "is not a webhook signing secret (whsec_…)")
      .optional(),
    REPLICATE_MAX_CONCURRENT_PREDICTIONS: z.coerce.number().int().min(1).max(100).optional(),
  })
  .refine((env) => !env.REPLICATE_WEBHOOK_URL || env.REPLICATE_WEBHOOK_SIGNING_SECRET, {
    message:
      "REPLICATE_WEBHOOK_SIGNING_SECRET is missing: webhooks are verified with it " +
      "(GET /v1/webhooks/default/secret)",
  });

/**
 * Options from environment variables; throws naming every variable at fault. `defaults.webhookUrl`
 * is where webhooks go when REPLICATE_WEBHOOK_SIGNING_SECRET is set without REPLICATE_WEBHOOK_URL
 * (the app passes its own route).
 */
export function replicateOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
  defaults: { webhookUrl?: string } = {},
): ReplicateProviderOptions {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.path.length > 0 ? `${issue.path.join(".")} ${issue.message}` : issue.message,
    );
    throw new ReplicateConfigError(`Replicate is not configured: ${problems.join("; ")}`);
  }
  const values = parsed.data;
  const webhookUrl = values.REPLICATE_WEBHOOK_URL ?? defaults.webhookUrl;
  const models: Partial<Record<AiOperation, string>> = {};
  for (const [operation, name] of Object.entries(OPERATION_ENV) as Array<[AiOperation, string]>) {
    const value = env[name]?.trim();
    if (value) models[operation] = value;
  }
  return {
    token: values.REPLICATE_API_TOKEN,
    baseUrl: values.REPLICATE_BASE_URL,
    models,
    maxConcurrentPredictions: values.REPLICATE_MAX_CONCURRENT_PREDICTIONS,
    webhook:
      webhookUrl && values.REPLICATE_WEBHOOK_SIGNING_SECRET
        ? { url: webhookUrl, signingSecret: values.REPLICATE_WEBHOOK_SIGNING_SECRET }
        : null,
  };
}

export function resolveOptions(options: ReplicateProviderOptions): ResolvedReplicateOptions {
  if (!options.token) throw new ReplicateConfigError("Replicate is not configured: no API token");
  const models = {} as Record<AiOperation, ModelRef>;
  const problems: string[] = [];
  for (const operation of Object.keys(DEFAULT_MODELS) as AiOperation[]) {
    try {
      const model = parseModelRef(options.models?.[operation] ?? DEFAULT_MODELS[operation]);
      adapterFor(operation, model);
      models[operation] = model;
    } catch (error) {
      problems.push(`${OPERATION_ENV[operation]}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new ReplicateConfigError(`Replicate models are misconfigured: ${problems.join("; ")}`);
  }
  return {
    token: options.token,
    baseUrl: (options.baseUrl ?? "https://api.replicate.com/v1").replace(/\/+$/, ""),
    fetch: options.fetch,
    models,
    maxConcurrentPredictions: options.maxConcurrentPredictions ?? 4,
    webhook: options.webhook ?? null,
    pollIntervalMs: options.pollIntervalMs ?? (options.webhook ? 15_000 : 5_000),
    predictionTimeoutMs: options.predictionTimeoutMs ?? 10 * 60 * 1000,
    syncWaitSeconds: options.syncWaitSeconds ?? 5,
    retry: options.retry ?? {},
    ledger: options.ledger,
    inlineFileLimitBytes: options.inlineFileLimitBytes ?? 1_000_000,
    lookupDelayMs: options.lookupDelayMs ?? 1_000,
  };
}
