/**
 * The app's admin action extensions on the dev store's product list. Shopify takes them from the
 * app's deployed version; the dev store reads them from the project's `extensions/` folder: each
 * `shopify.extension.toml` whose target is `admin.product-index.selection-action.render` adds an
 * entry to the list's "More actions" menu, labelled with the extension's localized name, and runs
 * the bundle `npm run build:extensions` wrote to `extensions/<name>/dist/<handle>.js`.
 *
 * The extension runs in a frame inside a modal (`frame-host.js`: the `shopify` global, fetch to
 * the app with session tokens, stand-ins for the Polaris web components). Its Admin API queries
 * go to the store's own Admin API with the app's access token, as direct API access does.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { parse } from "smol-toml";

import type { AppRegistration } from "../../apps.ts";
import type { DevStore } from "../../server.ts";
import type { ShopRecord } from "../../state.ts";
import { adminBase, appBase } from "../layout.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FRAME_HOST_FILE = path.join(HERE, "frame-host.js");

/** The project's extensions; DEV_STORE_EXTENSIONS_DIR points elsewhere (tests, other apps). */
export function extensionsDir() {
  return process.env.DEV_STORE_EXTENSIONS_DIR ?? path.resolve(HERE, "../../../../../extensions");
}

export const SELECTION_TARGET = "admin.product-index.selection-action.render";

export interface ExtensionAction {
  handle: string;
  label: string;
  target: string;
  directory: string;
}

interface TomlShape {
  extensions?: Array<{
    handle?: string;
    name?: string;
    type?: string;
    targeting?: Array<{ target?: string }>;
  }>;
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function localized(directory: string, name: string) {
  if (!name.startsWith("t:")) return name;
  const messages = readJson(path.join(directory, "locales", "en.default.json"));
  const value = messages?.[name.slice(2)];
  return typeof value === "string" ? value : name;
}

/** Action extensions for `target` (read on every request, so a rebuilt extension shows on reload). */
export function extensionActions(target: string, dir = extensionsDir()): ExtensionAction[] {
  if (!fs.existsSync(dir)) return [];
  const actions: ExtensionAction[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const toml = path.join(dir, entry.name, "shopify.extension.toml");
    if (!entry.isDirectory() || !fs.existsSync(toml)) continue;
    const config = parse(fs.readFileSync(toml, "utf8")) as TomlShape;
    for (const extension of config.extensions ?? []) {
      if (extension.type !== "ui_extension" || !extension.handle) continue;
      if (!(extension.targeting ?? []).some((t) => t.target === target)) continue;
      actions.push({
        handle: extension.handle,
        label: localized(path.join(dir, entry.name), extension.name ?? extension.handle),
        target,
        directory: path.join(dir, entry.name),
      });
    }
  }
  return actions;
}

/** The app's offline Admin API token on this shop: what the extension's direct API access uses. */
function appAccessToken(devStore: DevStore, shop: ShopRecord, app: AppRegistration) {
  const record = Object.values(devStore.store.state.accessTokens).find(
    (token) => token.shop === shop.domain && token.clientId === app.clientId && !token.userId,
  );
  return record?.token ?? null;
}

const escapeScript = (code: string) => code.replace(/<\/(script)/gi, "<\\/$1");

/**
 * The frame document for one extension, without the selection (the product list adds it when the
 * merchant opens the action). Null when the extension has not been built.
 */
export function extensionFrame(
  devStore: DevStore,
  shop: ShopRecord,
  app: AppRegistration,
  action: ExtensionAction,
): { html: string } | { error: string } {
  const bundle = path.join(action.directory, "dist", `${action.handle}.js`);
  if (!fs.existsSync(bundle)) {
    return { error: "This extension has not been built yet: run npm run build:extensions." };
  }
  const accessToken = appAccessToken(devStore, shop, app);
  if (!accessToken) return { error: `Open ${app.name} once so it is installed on this store.` };
  const config = {
    target: action.target,
    handle: action.handle,
    clientId: app.clientId,
    shop: shop.domain,
    adminBase: adminBase(shop),
    appBase: appBase(shop, app),
    appOrigin: new URL(app.appUrl).origin,
    apiVersion: app.apiVersion,
    accessToken,
    locale: "en",
    messages: readJson(path.join(action.directory, "locales", "en.default.json")) ?? {},
    selected: "__SELECTED__",
  };
  const configJson = JSON.stringify(config).replace(/</g, "\\u003c");
  const html = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8" />',
    "<style>html,body{margin:0;height:100%}</style>",
    `<script>window.__extensionHost = ${configJson};</script>`,
    `<script>${escapeScript(fs.readFileSync(FRAME_HOST_FILE, "utf8"))}</script>`,
    `<script type="module">${escapeScript(fs.readFileSync(bundle, "utf8"))}\nawait window.__runExtension();</script>`,
    "</head><body></body></html>",
  ].join("\n");
  return { html };
}

/** The app the project's extensions belong to: the handle in the shopify.app.toml beside them. */
export function extensionsApp(devStore: DevStore, dir = extensionsDir()): AppRegistration | null {
  const toml = path.join(dir, "..", "shopify.app.toml");
  if (!fs.existsSync(toml)) return null;
  const { handle } = parse(fs.readFileSync(toml, "utf8")) as { handle?: string };
  return devStore.apps.find((app) => app.handle === handle) ?? null;
}
