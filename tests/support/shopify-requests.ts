import { randomUUID } from "node:crypto";

import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { API_SECRET_KEY, APP_URL, BASE64_HOST, getHmac } from "@shopify/shopify-api/test-helpers";

import { ADMIN_API_VERSION } from "~/shopify/api-version";

type RouteFunction = (args: LoaderFunctionArgs | ActionFunctionArgs) => unknown;

/** Runs a loader or action the way Remix does: a thrown Response is a response too. */
export async function callRoute(route: RouteFunction, request: Request): Promise<Response> {
  try {
    const result = await route({ request, params: {}, context: {} });
    if (result instanceof Response) return result;
    return Response.json(result ?? null);
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

/** A webhook delivery as Shopify sends it: JSON body, HMAC of the raw body, topic headers. */
export function webhookRequest(
  topic: string,
  shop: string,
  payload: unknown,
  { secret = API_SECRET_KEY, tamper }: { secret?: string; tamper?: (body: string) => string } = {},
) {
  const body = JSON.stringify(payload);
  return new Request(`${APP_URL}/webhooks/${topic}`, {
    method: "POST",
    body: tamper ? tamper(body) : body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Hmac-Sha256": getHmac(body, secret),
      "X-Shopify-Topic": topic,
      "X-Shopify-Shop-Domain": shop,
      "X-Shopify-API-Version": ADMIN_API_VERSION,
      "X-Shopify-Webhook-Id": randomUUID(),
      "X-Shopify-Event-Id": randomUUID(),
      "X-Shopify-Triggered-At": new Date().toISOString(),
    },
  });
}

/** The document request Shopify admin makes when it opens an embedded app page in its iframe. */
export function embeddedDocumentRequest(path: string, shop: string, idToken?: string) {
  const url = new URL(path, APP_URL);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", shop);
  url.searchParams.set("host", BASE64_HOST);
  if (idToken) url.searchParams.set("id_token", idToken);
  return new Request(url, { headers: { "Sec-Fetch-Dest": "iframe" } });
}
