/**
 * Photo Studio's AI operations: one interface (provider.ts), two providers, one factory.
 *
 *   createAiProvider("local")      offline, embedded default (README.md: what it can and cannot do)
 *   createAiProvider("replicate")  production; options from the environment unless given
 */
import { LocalAiProvider, type LocalProviderOptions } from "./local/provider.server.ts";
import type { AiProvider } from "./provider.ts";
import {
  replicateOptionsFromEnv,
  type ReplicateProviderOptions,
} from "./replicate/config.server.ts";
import { ReplicateAiProvider } from "./replicate/provider.server.ts";

export * from "./provider.ts";
export { SCENE_TEMPLATES, type SceneTemplate } from "./scene/templates.ts";
export { LocalAiProvider, type LocalProviderOptions } from "./local/provider.server.ts";
export { ReplicateAiProvider } from "./replicate/provider.server.ts";
export {
  ReplicateConfigError,
  replicateOptionsFromEnv,
  type ReplicateProviderOptions,
} from "./replicate/config.server.ts";
export { DEFAULT_MODELS } from "./replicate/models.server.ts";
export {
  InMemoryPredictionLedger,
  type LedgerEntry,
  type PredictionLedger,
} from "./replicate/ledger.server.ts";
export { verifyReplicateWebhook } from "./replicate/webhooks.server.ts";

export type AiProviderName = "local" | "replicate";

export function createAiProvider(name: "local", options?: LocalProviderOptions): LocalAiProvider;
export function createAiProvider(
  name: "replicate",
  options?: Partial<ReplicateProviderOptions>,
): ReplicateAiProvider;
export function createAiProvider(
  name: AiProviderName,
  options?: LocalProviderOptions | Partial<ReplicateProviderOptions>,
): AiProvider;
export function createAiProvider(
  name: AiProviderName,
  options: LocalProviderOptions | Partial<ReplicateProviderOptions> = {},
): AiProvider {
  switch (name) {
    case "local":
      return new LocalAiProvider(options as LocalProviderOptions);
    case "replicate": {
      const given = options as Partial<ReplicateProviderOptions>;
      // Options that carry a token are complete as given (tests, scripts); otherwise the
      // environment is the configuration and options only override parts of it.
      const fromEnv = given.token ? { token: given.token } : replicateOptionsFromEnv();
      const defined = Object.fromEntries(
        Object.entries(given).filter(([, value]) => value !== undefined),
      );
      return new ReplicateAiProvider({ ...fromEnv, ...defined } as ReplicateProviderOptions);
    }
    default:
      throw new Error(`Unknown AI provider "${String(name)}": use "local" or "replicate"`);
  }
}
