/**
 * `node --import ./emulators/shopify/preload.ts …`: routes the app process's Shopify traffic to the
 * dev store named by SHOPIFY_DEV_STORE_URL. Loaded before the app, so @shopify/shopify-api's node
 * adapter picks up the routed fetch when it initialises.
 */
import { routeShopifyTrafficTo } from "./route-to-dev-store.ts";

const target = process.env.SHOPIFY_DEV_STORE_URL;
if (!target)
  throw new Error("SHOPIFY_DEV_STORE_URL must name the dev store (e.g. http://127.0.0.1:4000)");
routeShopifyTrafficTo(target);
