import http from "node:http";
import type { AddressInfo } from "node:net";

import type { ActionFunctionArgs } from "@remix-run/node";
import {
  API_KEY,
  API_SECRET_KEY,
  APP_URL,
  TEST_SHOP,
  getJwt,
} from "@shopify/shopify-api/test-helpers";

import { loader as appLoader } from "~/routes/app";

import { appFromToml, type AppRegistration } from "../../emulators/shopify/src/apps";
import { routeShopifyTrafficTo } from "../../emulators/shopify/route-to-dev-store";
import { seedCatalog } from "../../emulators/shopify/src/seed";
import { startDevStore, type DevStoreOptions } from "../../emulators/shopify/src/server";

import { callRoute, embeddedDocumentRequest } from "./shopify-requests";

/**
 * The dev store for a test file, registered with the app under test (its shopify.app.toml, the
 * test credentials) and with the app process's Shopify traffic routed to it.
 */
export async function startTestDevStore(
  options: Partial<DevStoreOptions> & { products?: number; appUrl?: string } = {},
) {
  const app: AppRegistration = appFromToml("shopify.app.toml", {
    clientId: API_KEY,
    clientSecret: API_SECRET_KEY,
    appUrl: options.appUrl ?? APP_URL,
  });
  const devStore = await startDevStore({
    apps: [app],
    dataDir: null,
    processingDelayMs: 50,
    webhookRetryDelaysMs: [],
    ...options,
  });
  routeShopifyTrafficTo(devStore.url);
  return {
    devStore,
    app,
    async addShop(
      domain: string,
      plan: "Development" | "Basic" | "Advanced" | "Plus" = "Development",
    ) {
      const shop = devStore.createShop({ domain, name: `Shop ${domain.split(".")[0]}`, plan });
      await seedCatalog(devStore.store, shop, options.products ?? 5);
      return shop;
    },
    async close() {
      routeShopifyTrafficTo(null);
      await devStore.close();
    },
  };
}

type Action = (args: ActionFunctionArgs) => Promise<Response>;

/**
 * Serves the app's webhook route modules over real HTTP, so the dev store's deliveries reach the
 * same code Shopify's would.
 */
export async function serveWebhookRoutes(routes: Record<string, Action>) {
  const received: Array<{ path: string; status: number }> = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const action = routes[url.pathname];
    let response: Response;
    if (!action) {
      response = new Response("Not Found", { status: 404 });
    } else {
      const request = new Request(url, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks),
      });
      try {
        response = await action({ request, params: {}, context: {} });
      } catch (thrown) {
        if (!(thrown instanceof Response)) throw thrown;
        response = thrown;
      }
    }
    received.push({ path: url.pathname, status: response.status });
    res.writeHead(response.status);
    res.end(await response.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Opens the app in the admin as a merchant does: the app's document request with a fresh session
 * token for `shop`, which installs the app through token exchange the first time.
 */
export async function openAppAsMerchant(shop: string = TEST_SHOP) {
  const { token } = await getJwt(shop.replace(/\.myshopify\.com$/, ""), API_KEY, API_SECRET_KEY);
  return callRoute(appLoader, embeddedDocumentRequest("/app", shop, token));
}

/**
 * The merchant opens a Billing API confirmation page and clicks Approve or Decline; answers the
 * page's HTML and where the browser goes next.
 */
export async function decideOnConfirmationPage(
  confirmationUrl: string,
  decision: "approve" | "decline",
) {
  const page = await fetch(confirmationUrl);
  if (page.status !== 200) throw new Error(`The confirmation page answered ${page.status}`);
  const html = await page.text();
  const form = /<form method="post" action="([^"]+)"/.exec(html);
  if (!form || !html.includes(`name="decision" value="${decision}"`)) {
    throw new Error(`The confirmation page offers no "${decision}"`);
  }
  const response = await fetch(new URL(form[1]!.replaceAll("&amp;", "&"), confirmationUrl), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ decision }),
    redirect: "manual",
  });
  if (response.status !== 303) throw new Error(`The decision answered ${response.status}`);
  return { html, location: response.headers.get("location")! };
}
