/**
 * Sends the app's outgoing https://<shop>.myshopify.com traffic to the dev store instead, without
 * touching the app's code path: the real @shopify/shopify-api builds the same requests, and only
 * the process-wide fetch decides where they go. Installed by the demo's and the tests' entry points,
 * never by the production server.
 */
import { SHOP_HEADER } from "./src/server.ts";

const ROUTING = Symbol.for("photo-studio.dev-store-routing");

interface Routing {
  target: string | null;
  originalFetch: typeof fetch;
}

type RoutingGlobal = typeof globalThis & { [ROUTING]?: Routing };

/** Routes Shopify traffic to `devStoreUrl` (null stops routing). Safe to call repeatedly. */
export function routeShopifyTrafficTo(devStoreUrl: string | null) {
  const global = globalThis as RoutingGlobal;
  if (!global[ROUTING]) {
    const routing: Routing = { target: null, originalFetch: globalThis.fetch };
    global[ROUTING] = routing;
    globalThis.fetch = async (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      if (
        !routing.target ||
        url.protocol !== "https:" ||
        !url.hostname.endsWith(".myshopify.com")
      ) {
        return routing.originalFetch(request);
      }
      const headers = new Headers(request.headers);
      headers.set(SHOP_HEADER, url.hostname);
      const body =
        request.method === "GET" || request.method === "HEAD"
          ? undefined
          : await request.arrayBuffer();
      return routing.originalFetch(new URL(`${url.pathname}${url.search}`, routing.target), {
        method: request.method,
        headers,
        body,
        signal: request.signal,
      });
    };
  }
  global[ROUTING]!.target = devStoreUrl;
}
