/**
 * What the rest of the app needs from a Shopify Admin GraphQL client. The implementation
 * (admin-client.server.ts) paces itself on the shop's query-cost bucket and retries transient
 * failures; callers just ask and get `data`, or a ShopifyAdminError they can show a merchant.
 */
export interface AdminRequestOptions {
  variables?: Record<string, unknown>;
  signal?: AbortSignal;
  /** Expected cost before this document has been seen (pacing then learns the real one). */
  estimatedCost?: number;
}

export interface AdminClient {
  readonly shop: string;
  /** The response's `data`; top-level GraphQL errors and transport failures throw. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request<T = any>(document: string, options?: AdminRequestOptions): Promise<T>;
}
