/**
 * This process's AI provider, built once from the configuration (AI_PROVIDER) and shared by the
 * job workers, the editor and the Replicate webhook route. Sharing matters for Replicate: a
 * webhook wakes only calls waiting in the provider instance that receives it.
 */
import prisma from "../db.server.ts";
import { getEnv, type AppEnv } from "../env.server.ts";

import { createAiProvider } from "./index.ts";
import type { AiProvider } from "./provider.ts";
import { replicateOptionsFromEnv } from "./replicate/config.server.ts";
import { DatabasePredictionLedger } from "./replicate/database-ledger.server.ts";

declare global {
  // One provider per process, also across Remix dev-server reloads (its webhook waiters live here).
  var photoStudioAiProvider: AiProvider | undefined;
}

/** The route Replicate posts prediction updates to (app/routes/webhooks.replicate.tsx). */
export const REPLICATE_WEBHOOK_PATH = "/webhooks/replicate";

export function getAiProvider(): AiProvider {
  globalThis.photoStudioAiProvider ??= buildAiProvider(getEnv());
  return globalThis.photoStudioAiProvider;
}

/** Replaces the process's provider (null: built from the configuration again on next use). */
export function setAiProviderForTests(provider: AiProvider | null) {
  globalThis.photoStudioAiProvider = provider ?? undefined;
}

/**
 * The webhook handler of this process's provider, or null when nothing here receives Replicate
 * webhooks (the local provider). Duck-typed rather than `instanceof`, which a dev-server reload
 * would break while the provider itself lives on.
 */
export function replicateWebhookHandler(): ((request: Request) => Promise<Response>) | null {
  const provider = getAiProvider() as AiProvider & {
    handleWebhook?: (request: Request) => Promise<Response>;
  };
  return provider.name === "replicate" && typeof provider.handleWebhook === "function"
    ? (request) => provider.handleWebhook!(request)
    : null;
}

/** A provider as `getAiProvider()` builds it for this configuration (REPLICATE_* from process.env). */
export function buildAiProvider(
  env: Pick<AppEnv, "aiProvider" | "appUrl" | "jobWorkers">,
): AiProvider {
  if (env.aiProvider === "local") return createAiProvider("local");
  const options = replicateOptionsFromEnv(process.env, {
    webhookUrl: `${env.appUrl}${REPLICATE_WEBHOOK_PATH}`,
  });
  // With separate worker processes, the calls that wait are never in the process the webhook
  // reaches, so they would hear of a result only at the slow fallback poll (every 15 s): every
  // process polls instead, from 0.5 s on.
  const webhook = env.jobWorkers === "separate" ? null : options.webhook;
  if (options.webhook && !webhook) {
    console.warn(
      "[photo-studio] Replicate webhooks are off with JOB_WORKERS=separate: predictions are polled.",
    );
  }
  return createAiProvider("replicate", {
    ...options,
    webhook,
    ledger: new DatabasePredictionLedger(prisma),
  });
}
