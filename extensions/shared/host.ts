/**
 * The admin host's `shopify` global, typed once for both action targets. Reading it through this
 * function (instead of declaring a global) keeps it apart from App Bridge's `shopify` global,
 * which the app's own pages use and the project's one TypeScript program also sees.
 */
import type { ActionExtensionApi } from "@shopify/ui-extensions/admin";

export type ActionTarget =
  "admin.product-index.selection-action.render" | "admin.product-details.action.render";

export type ActionHost = ActionExtensionApi<ActionTarget>;

export function host(): ActionHost {
  return (globalThis as unknown as { shopify: ActionHost }).shopify;
}

export function t(key: string, options?: Record<string, string | number>): string {
  return host().i18n.translate(key, options);
}
