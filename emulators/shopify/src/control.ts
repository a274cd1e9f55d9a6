/**
 * The dev store's control API, for the demo and tests: what a merchant, or Shopify on its own
 * schedule, would do to an installed app, on demand: uninstall it, change its scopes, send privacy
 * requests, move the clock on; and the log of webhook deliveries. JSON in and out, under /_dev/
 * (GET /_dev lists the endpoints, see ENDPOINTS). Like the admin shell it has no login, so the dev
 * store only listens on a loopback address; POSTs must be JSON, which other sites' pages cannot
 * send without a CORS preflight the dev store never answers.
 *
 *   curl -X POST localhost:<port>/_dev/shops/<shop>/uninstall -H 'Content-Type: application/json' -d '{}'
 *   curl -X POST localhost:<port>/_dev/clock/advance -H 'Content-Type: application/json' -d '{"hours": 48}'
 *   curl -X POST localhost:<port>/_dev/faults -H 'Content-Type: application/json' -d '{"rate": 0.2, "kinds": ["server-error", "throttled"]}'
 *
 * `:shop` is the shop's myshopify domain or its name; `clientId` may be left out when one app is
 * installed on the shop.
 */
import { FaultSettingsError } from "./faults.ts";
import {
  LifecycleError,
  runDueEvents,
  type ComplianceOptions,
  type ComplianceTopic,
} from "./lifecycle.ts";
import { json, type DevStore, type DevStoreRoute } from "./server.ts";
import { WebhookDeliveryError, type WebhookDelivery } from "./webhooks.ts";

const ENDPOINTS = {
  "GET /_dev/clock": "the dev store's time",
  "POST /_dev/clock/advance": '{"hours": 48}: move the clock on and send what came due',
  "GET /_dev/webhooks?shop=&topic=": "webhook deliveries so far, with their outcome",
  "POST /_dev/webhooks/:id/redeliver":
    "{}: send a delivery again as it was (same body, webhook id and event id): a duplicate",
  "POST /_dev/webhooks/hold":
    '{"shop"?, "topic"?}: keep deliveries (all, or of that shop and topic) back until released',
  "POST /_dev/webhooks/release":
    '{"order"?: "in-order" | "reverse" | [delivery ids]}: stop holding and send what was held, in that order',
  "GET /_dev/billing?shop=":
    "Billing API mutations so far (usage records with their idempotency key)",
  "POST /_dev/shops/:shop/uninstall": '{"clientId"?}: the merchant uninstalls the app',
  "POST /_dev/shops/:shop/scopes": '{"clientId"?, "scopes": [...]}: the granted scopes change',
  "POST /_dev/shops/:shop/compliance/:topic":
    'customers/data_request, customers/redact or shop/redact; {"clientId"?, "customer"?, "ordersRequested"?, "ordersToRedact"?}',
  "GET /_dev/faults": "the failures switched on, and how many of each were injected",
  "POST /_dev/faults":
    '{"rate"?, "kinds"?: ["server-error", "throttled", "timeout", "lost-response"], "hangMs"?, "seed"?, "times"?, "stagedUploadRate"?, "cdnRate"?}: switch failures on',
  "DELETE /_dev/faults": "switch failures off (the counts stay)",
};

type Body = Record<string, unknown>;

const shopDomain = (shop: string) => (shop.includes(".") ? shop : `${shop}.myshopify.com`);

/** The app a request is about: the one named, or the only one installed on the shop. */
function clientIdFor(devStore: DevStore, domain: string, body: Body): string {
  const shop = devStore.store.shop(domain);
  if (!shop) throw new LifecycleError(`No shop ${domain} in the dev store`, 404);
  if (typeof body.clientId === "string") return body.clientId;
  const installed = Object.values(shop.installations)
    .filter((installation) => !installation.uninstalledAt)
    .map((installation) => installation.clientId);
  if (installed.length === 1) return installed[0]!;
  throw new LifecycleError(
    installed.length === 0
      ? `No app is installed on ${domain}`
      : `Several apps are installed on ${domain}: name one with clientId (${installed.join(", ")})`,
    400,
  );
}

function deliveries(devStore: DevStore, url: URL) {
  const shop = url.searchParams.get("shop");
  const topic = url.searchParams.get("topic");
  return devStore.webhooks.deliveries
    .filter(
      (delivery) =>
        (!shop || delivery.shop === shopDomain(shop)) && (!topic || delivery.topic === topic),
    )
    .map(({ body, ...delivery }) => ({
      ...delivery,
      held: devStore.webhooks.held.some((held) => held.id === delivery.id),
      payload: JSON.parse(body) as unknown,
    }));
}

const withoutBody = ({ body: _body, ...delivery }: WebhookDelivery) => delivery;

async function postWebhooks(devStore: DevStore, path: string, body: Body) {
  const { webhooks } = devStore;
  if (path === "/webhooks/hold") {
    return webhooks.hold({
      shop: typeof body.shop === "string" ? shopDomain(body.shop) : undefined,
      topic: typeof body.topic === "string" ? body.topic : undefined,
    });
  }
  if (path === "/webhooks/release") {
    const order = body.order ?? "in-order";
    if (
      order !== "in-order" &&
      order !== "reverse" &&
      !(Array.isArray(order) && order.every((id) => typeof id === "string"))
    ) {
      throw new WebhookDeliveryError('order must be "in-order", "reverse" or delivery ids', 400);
    }
    const sent = await webhooks.release(order as "in-order" | "reverse" | string[]);
    return { sent: sent.map(withoutBody) };
  }
  const redeliver = /^\/webhooks\/([^/]+)\/redeliver$/.exec(path);
  if (redeliver) {
    return { delivery: withoutBody(await webhooks.redeliver(decodeURIComponent(redeliver[1]!))) };
  }
  return null;
}

async function post(devStore: DevStore, path: string, body: Body) {
  if (path === "/clock/advance") return devStore.advanceClock(Number(body.hours));
  if (path === "/faults") return devStore.injectFaults(body);
  if (path.startsWith("/webhooks/")) return postWebhooks(devStore, path, body);
  const match = /^\/shops\/([^/]+)\/(uninstall|scopes|compliance\/(.+))$/.exec(path);
  if (!match) return null;
  const domain = shopDomain(decodeURIComponent(match[1]!));
  if (match[2] === "uninstall") {
    return devStore.uninstallApp(domain, clientIdFor(devStore, domain, body));
  }
  if (match[2] === "scopes") {
    const scopes = body.scopes;
    if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === "string")) {
      throw new LifecycleError("scopes must be a list of scope handles", 400);
    }
    return devStore.updateScopes(domain, clientIdFor(devStore, domain, body), scopes);
  }
  return devStore.triggerCompliance(domain, match[3] as ComplianceTopic, body as ComplianceOptions);
}

export const controlRoutes: DevStoreRoute = async (request, url, devStore) => {
  if (url.pathname !== "/_dev" && !url.pathname.startsWith("/_dev/")) return null;
  const path = url.pathname.slice("/_dev".length);
  // Whatever came due while nobody advanced the clock goes out before anything else.
  runDueEvents(devStore);
  try {
    if (request.method === "GET") {
      if (path === "" || path === "/") return json({ endpoints: ENDPOINTS });
      if (path === "/clock") {
        const offsetMs = devStore.store.state.clockOffsetMs ?? 0;
        return json({ now: devStore.now().toISOString(), aheadHours: offsetMs / 3600_000 });
      }
      if (path === "/webhooks") return json({ deliveries: deliveries(devStore, url) });
      if (path === "/billing") {
        const shop = url.searchParams.get("shop");
        return json({
          calls: devStore.runtime.billingCalls.filter(
            (call) => !shop || call.shop === shopDomain(shop),
          ),
        });
      }
      if (path === "/faults") return json(devStore.faults.report());
      return json({ error: "Not Found", endpoints: ENDPOINTS }, 404);
    }
    if (request.method === "DELETE" && path === "/faults") return json(devStore.clearFaults());
    if (request.method !== "POST") return json({ error: "Method Not Allowed" }, 405);
    if (!request.headers.get("content-type")?.includes("application/json")) {
      return json({ error: "POST a JSON body (Content-Type: application/json)" }, 415);
    }
    const text = await request.text();
    const body = (text ? JSON.parse(text) : {}) as Body;
    const result = await post(devStore, path, body);
    return result ? json(result) : json({ error: "Not Found", endpoints: ENDPOINTS }, 404);
  } catch (error) {
    if (
      error instanceof LifecycleError ||
      error instanceof FaultSettingsError ||
      error instanceof WebhookDeliveryError
    ) {
      return json({ error: error.message }, error.status);
    }
    if (error instanceof SyntaxError) return json({ error: `Invalid JSON: ${error.message}` }, 400);
    throw error;
  }
};
