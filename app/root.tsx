import {
  Links,
  LiveReload,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteLoaderData,
} from "@remix-run/react";

import type { loader as appLoader } from "~/routes/app";

/**
 * Shopify's App Bridge script. It must be the first script in <head>, loaded synchronously (no
 * async, defer or module): admin collects the app's Web Vitals through it, and App Bridge reads
 * `data-api-key` from its own tag as it starts.
 * https://shopify.dev/docs/api/app-bridge-library#getting-started
 *
 * It is the last element of <head> all the same (nothing before it is a script): App Bridge adds
 * elements to <head> while the page is still parsing, and React 18 hydrates past extra nodes at
 * the end of <head> but fails on one between the elements it rendered, then renders the whole
 * document again on the client.
 */
const APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js";

export default function App() {
  // Only the embedded admin (routes under app.tsx) loads App Bridge; its loader has authenticated
  // the request and hands over the client ID, the one piece of configuration the browser sees.
  const embedded = useRouteLoaderData<typeof appLoader>("routes/app");
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <Meta />
        <Links />
        {embedded ? <script src={APP_BRIDGE_URL} data-api-key={embedded.apiKey} /> : null}
      </head>
      <body>
        <Outlet />
        <ScrollRestoration />
        <Scripts />
        <LiveReload />
      </body>
    </html>
  );
}
