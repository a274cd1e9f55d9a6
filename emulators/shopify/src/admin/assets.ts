/**
 * Files the admin shell serves to browsers: its stylesheet and scripts (./assets), and the App
 * Bridge stand-in (../../app-bridge/app-bridge.js) at the path cdn.shopify.com serves App Bridge
 * from. Read on every request, so an edit shows on reload.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ASSETS_DIR = path.join(HERE, "assets");
const APP_BRIDGE_FILE = path.join(HERE, "..", "..", "app-bridge", "app-bridge.js");

/** Where the dev store serves the App Bridge stand-in (cdn.shopify.com's path for App Bridge). */
export const APP_BRIDGE_PATH = "/cdn/shopifycloud/app-bridge.js";
const ADMIN_ORIGIN_PLACEHOLDER = "__DEV_STORE_ADMIN_ORIGIN__";

const CONTENT_TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
};

function fileResponse(body: string, extension: string): Response {
  return new Response(body, {
    headers: { "Content-Type": CONTENT_TYPES[extension]!, "Cache-Control": "no-cache" },
  });
}

/** A shell asset by file name, or null when there is no such asset. */
export function assetResponse(name: string): Response | null {
  if (!/^[a-z-]+\.(css|js)$/.test(name)) return null;
  const file = path.join(ASSETS_DIR, name);
  if (!fs.existsSync(file)) return null;
  return fileResponse(fs.readFileSync(file, "utf8"), path.extname(name));
}

/**
 * The stand-in, told the admin's origin: it only talks to (and only listens to) the window that
 * frames it from there, as App Bridge only talks to Shopify admin.
 */
export function appBridgeResponse(adminOrigin: string): Response {
  const source = fs.readFileSync(APP_BRIDGE_FILE, "utf8");
  return fileResponse(
    source.replace(`"${ADMIN_ORIGIN_PLACEHOLDER}"`, JSON.stringify(adminOrigin)),
    ".js",
  );
}
