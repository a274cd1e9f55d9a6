/**
 * The URL Shopify admin puts in an embedded app's iframe: the app's URL and path, with the query
 * parameters admin adds (embedded, shop, host, locale, timestamp, a fresh session token as
 * id_token) and an hmac over all of them signed with the app's secret, so an app can check that
 * the URL came from Shopify.
 * https://shopify.dev/docs/apps/build/authentication-authorization/session-tokens
 */
import { createHmac } from "node:crypto";

import type { AppRegistration } from "../apps.ts";
import { mintSessionToken } from "../auth.ts";

/** The admin's name for a shop: `<name>` in admin.shopify.com/store/<name>. */
export function storeName(shopDomain: string): string {
  return shopDomain.replace(/\.myshopify\.com$/, "");
}

/** The `host` parameter: base64 of the shop's admin address, without padding, as admin sends it. */
export function adminHostParam(shopDomain: string): string {
  return Buffer.from(`admin.shopify.com/store/${storeName(shopDomain)}`)
    .toString("base64")
    .replace(/=+$/, "");
}

/**
 * The message admin signs: parameters other than hmac and signature, sorted by name, as
 * `name=value` joined by `&`, values form-encoded with spaces as %20 (what @shopify/shopify-api's
 * validateHmac recomputes). Array parameters of admin links (`ids[]=1&ids[]=2`) are signed as
 * `ids=["1", "2"]`, the form Shopify documents for bulk action links.
 */
export function adminHmacMessage(params: URLSearchParams): string {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of params) {
    if (name === "hmac" || name === "signature") continue;
    grouped.set(name, [...(grouped.get(name) ?? []), value]);
  }
  const messageName = (name: string) => (name.endsWith("[]") ? name.slice(0, -2) : name);
  return [...grouped]
    .sort(([a], [b]) => messageName(a).localeCompare(messageName(b)))
    .map(([name, values]) =>
      name.endsWith("[]")
        ? `${messageName(name)}=[${values.map((value) => JSON.stringify(value)).join(", ")}]`
        : new URLSearchParams(values.map((value) => [name, value]))
            .toString()
            .replace(/\+/g, "%20"),
    )
    .join("&");
}

export function signAdminParams(params: URLSearchParams, secret: string): string {
  return createHmac("sha256", secret).update(adminHmacMessage(params)).digest("hex");
}

export interface EmbeddedAppUrlInput {
  app: AppRegistration;
  shopDomain: string;
  /** Path inside the app ("" for its root), as in admin's /store/<name>/apps/<handle><path>. */
  path: string;
  /** The admin URL's own query (admin links pass theirs on, e.g. `ids[]` of a bulk action). */
  query?: URLSearchParams;
  locale?: string;
  now?: Date;
}

export function embeddedAppUrl({
  app,
  shopDomain,
  path,
  query = new URLSearchParams(),
  locale = "en",
  now = new Date(),
}: EmbeddedAppUrlInput): string {
  const params = new URLSearchParams(query);
  for (const name of ["embedded", "hmac", "host", "id_token", "locale", "shop", "timestamp"]) {
    params.delete(name);
  }
  params.set("embedded", "1");
  params.set("host", adminHostParam(shopDomain));
  params.set("id_token", mintSessionToken(app, shopDomain));
  params.set("locale", locale);
  params.set("shop", shopDomain);
  params.set("timestamp", String(Math.floor(now.getTime() / 1000)));
  params.set("hmac", signAdminParams(params, app.clientSecret));
  params.sort();
  const url = new URL(`${app.appUrl}${path === "" || path.startsWith("/") ? path : `/${path}`}`);
  url.search = params.toString();
  return url.href;
}
