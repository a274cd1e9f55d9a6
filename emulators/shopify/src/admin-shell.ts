/**
 * The admin shell: the part of the dev store a merchant looks at, standing in for
 * admin.shopify.com. Pages live where admin's do (/store/<name>/products,
 * /store/<name>/apps/<handle>/<path>); embedded apps are framed exactly as admin frames them and
 * talk to the shell through the App Bridge stand-in the dev store serves at cdn.shopify.com's
 * path. There is no login: whoever reaches the dev store is the store's owner (STAFF_USER), which
 * is why it only listens on a loopback address.
 */
import { appPage, findApp } from "./admin/app-page.ts";
import { APP_BRIDGE_PATH, appBridgeResponse, assetResponse } from "./admin/assets.ts";
import { storeName } from "./admin/app-url.ts";
import { homePage } from "./admin/home-page.ts";
import { html, htmlResponse } from "./admin/html.ts";
import { adminBase, ASSETS_PATH, notFoundPage } from "./admin/layout.ts";
import { adminContext, productsPage } from "./admin/products-page.ts";
import { pickerItems, type PickerQuery } from "./admin/resource-picker.ts";
import { mintSessionToken } from "./auth.ts";
import { json, type DevStore, type DevStoreRoute } from "./server.ts";
import type { ShopRecord } from "./state.ts";

const STORE_PATH = /^\/store\/([a-z0-9][a-z0-9-]*)(\/.*)?$/;
const APP_PATH = /^\/apps\/([^/]+)(\/.*)?$/;

function redirect(location: string) {
  return new Response(null, { status: 302, headers: { Location: location } });
}

/**
 * Admin pages are served at the dev store's public origin only: that is the origin apps allow to
 * frame them and the one the App Bridge stand-in talks to (localhost and 127.0.0.1 differ).
 */
function canonicalRedirect(request: Request, url: URL, devStore: DevStore): Response | null {
  const publicOrigin = new URL(devStore.publicOrigin);
  const host = request.headers.get("host");
  if (request.method !== "GET" || !host || host === publicOrigin.host) return null;
  return redirect(`${publicOrigin.origin}${url.pathname}${url.search}`);
}

function noShopsPage(message: string, status: number) {
  return htmlResponse(
    html`<html lang="en">
      <head>
        <title>Shopify dev store</title>
        <link rel="stylesheet" href="${ASSETS_PATH}/admin.css" />
      </head>
      <body>
        <div class="page">
          <div class="card empty">
            <h1>Shopify dev store</h1>
            <p>${message}</p>
          </div>
        </div>
      </body>
    </html>`,
    status,
  );
}

/** JSON endpoints the shell's own scripts call (admin's internal API, not the Admin API). */
async function adminApi(request: Request, devStore: DevStore, shop: ShopRecord, path: string) {
  // A JSON content type keeps other sites' pages out: they cannot send one without a CORS
  // preflight, which the dev store does not answer.
  if (request.method !== "POST" || !request.headers.get("content-type")?.includes("json")) {
    return json({ errors: "Expected a JSON POST" }, 400);
  }
  const body = (await request.json().catch(() => ({}))) as Record<string, unknown>;
  if (path === "/admin-api/session-token") {
    const app = findApp(devStore, String(body.clientId ?? ""));
    if (!app) return json({ errors: "No such app" }, 404);
    return json({ token: mintSessionToken(app, shop.domain) });
  }
  if (path === "/admin-api/resource-picker") {
    try {
      return json({ items: pickerItems(adminContext(devStore, shop), body as PickerQuery) });
    } catch (error) {
      return json({ errors: (error as Error).message }, 422);
    }
  }
  return json({ errors: "Not Found" }, 404);
}

function storePage(devStore: DevStore, shop: ShopRecord, path: string, url: URL): Response {
  if (path === "" || path === "/") return homePage(devStore, shop);
  if (path === "/products") return productsPage(devStore, shop, url);
  const appPath = APP_PATH.exec(path);
  if (appPath) {
    const app = findApp(devStore, decodeURIComponent(appPath[1]!));
    if (app) return appPage(devStore, shop, app, appPath[2] ?? "", url.searchParams);
    return notFoundPage(devStore, shop, `No app with the handle “${appPath[1]}” is installed.`);
  }
  return notFoundPage(
    devStore,
    shop,
    `The dev store models Home, Products and apps; ${adminBase(shop)}${path} is not one of them.`,
  );
}

export const adminShellRoutes: DevStoreRoute = async (request, url, devStore) => {
  if (url.pathname === APP_BRIDGE_PATH && request.method === "GET") {
    return appBridgeResponse(devStore.publicOrigin);
  }
  if (url.pathname.startsWith(`${ASSETS_PATH}/`) && request.method === "GET") {
    return assetResponse(url.pathname.slice(ASSETS_PATH.length + 1));
  }
  if (url.pathname === "/" && request.method === "GET") {
    const first = Object.values(devStore.store.state.shops)[0];
    if (!first) return noShopsPage("This dev store has no shops yet.", 200);
    return redirect(`${devStore.publicOrigin}/store/${storeName(first.domain)}`);
  }

  const storePath = STORE_PATH.exec(url.pathname);
  if (!storePath) return null;
  const shop = devStore.store.shop(`${storePath[1]}.myshopify.com`);
  if (!shop) return noShopsPage(`There is no store named “${storePath[1]}” here.`, 404);
  const path = storePath[2] ?? "";
  if (path.startsWith("/admin-api/")) return adminApi(request, devStore, shop, path);
  if (request.method !== "GET") return null;
  return canonicalRedirect(request, url, devStore) ?? storePage(devStore, shop, path, url);
};
