import type { StateStore, ShopRecord } from "./state.ts";

/** What every resolver is given: the store, the shop the request is for, and the calling app. */
export interface ResolverContext {
  store: StateStore;
  shop: ShopRecord;
  clientId: string;
  scopes: string[];
  /** Absolute URL at which the dev store serves a path (CDN images, upload targets, admin pages). */
  publicUrl: (path: string) => string;
  /** Queues a webhook to every app subscribed to the topic on this shop. */
  emitWebhook: (topic: string, payload: unknown) => void;
  now: () => Date;
}

// Resolver functions receive GraphQL arguments already coerced by graphql-js.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Args = Record<string, any>;
export type RootResolver = (args: Args, context: ResolverContext) => unknown;

export interface ResolverModule {
  query?: Record<string, RootResolver>;
  mutation?: Record<string, RootResolver>;
}

/** Requires an access scope as Shopify does, with Shopify's message. */
export function requireScope(context: ResolverContext, ...anyOf: string[]) {
  const granted = new Set(context.scopes);
  for (const scope of [...granted]) {
    if (scope.startsWith("write_")) granted.add(`read_${scope.slice("write_".length)}`);
  }
  if (!anyOf.some((scope) => granted.has(scope))) {
    throw new AccessDeniedError(
      `Access denied. Required access: \`${anyOf.join("` or `")}\` access scope.`,
    );
  }
}

export class AccessDeniedError extends Error {
  readonly code = "ACCESS_DENIED";
}
