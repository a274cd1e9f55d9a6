/**
 * What happens to an app on a shop outside of its own API calls: the merchant uninstalls it or
 * changes its scopes, privacy requests arrive, and Shopify's own schedule runs (shop/redact 48 hours
 * after an uninstall, charges expiring and renewing). Each sends the app the webhook Shopify sends,
 * to the apps subscribed to that topic in their configuration only.
 * https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance
 */
import { randomInt } from "node:crypto";

import { billingEnv, cancelOnUninstall, settleBilling } from "./charges.ts";
import type { DevStore } from "./server.ts";
import type { InstallationRecord, ScheduledEventRecord, ShopRecord } from "./state.ts";
import { shopNumber } from "./views.ts";

/** Shopify asks the app to erase a shop's data 48 hours after the app is uninstalled. */
export const SHOP_REDACT_DELAY_MS = 48 * 3600 * 1000;

export const COMPLIANCE_TOPICS = ["customers/data_request", "customers/redact", "shop/redact"];
export type ComplianceTopic = "customers/data_request" | "customers/redact" | "shop/redact";

export interface ComplianceOptions {
  /** Only this app (default: every app that has been installed on the shop). */
  clientId?: string;
  customer?: { id?: number; email?: string | null; phone?: string | null };
  ordersRequested?: number[];
  ordersToRedact?: number[];
}

/** A request the dev store cannot act on, with the HTTP status the control API answers. */
export class LifecycleError extends Error {
  readonly status: number;
  constructor(message: string, status = 409) {
    super(message);
    this.status = status;
  }
}

function shopOf(devStore: DevStore, domain: string): ShopRecord {
  const shop = devStore.store.shop(domain);
  if (!shop) throw new LifecycleError(`No shop ${domain} in the dev store`, 404);
  return shop;
}

function activeInstallation(shop: ShopRecord, clientId: string): InstallationRecord {
  const installation = shop.installations[clientId];
  if (!installation || installation.uninstalledAt) {
    throw new LifecycleError(`App ${clientId} is not installed on ${shop.domain}`);
  }
  return installation;
}

/** The shop as app/uninstalled carries it (the REST Shop resource, as far as the dev store knows it). */
function shopPayload(shop: ShopRecord) {
  return {
    id: shopNumber(shop),
    name: shop.name,
    email: shop.email,
    domain: shop.domain,
    myshopify_domain: shop.domain,
    customer_email: shop.email,
    currency: shop.currencyCode,
    iana_timezone: shop.ianaTimezone,
    created_at: shop.createdAt,
  };
}

/**
 * The merchant uninstalls the app: its access tokens stop working, its subscriptions end, it gets
 * app/uninstalled now and shop/redact 48 hours later (on the dev store's clock).
 */
export function uninstallApp(devStore: DevStore, domain: string, clientId: string) {
  const shop = shopOf(devStore, domain);
  const installation = activeInstallation(shop, clientId);
  const uninstalledAt = devStore.now().toISOString();
  installation.uninstalledAt = uninstalledAt;
  const tokens = devStore.store.state.accessTokens;
  for (const [token, record] of Object.entries(tokens)) {
    if (record.shop === domain && record.clientId === clientId) delete tokens[token];
  }
  cancelOnUninstall(billingEnv(devStore.runtime, shop), clientId);
  devStore.runtime.emitTo(shop, clientId, "app/uninstalled", shopPayload(shop));

  const event: ScheduledEventRecord = {
    kind: "shop/redact",
    shop: domain,
    clientId,
    uninstalledAt,
    dueAt: new Date(Date.parse(uninstalledAt) + SHOP_REDACT_DELAY_MS).toISOString(),
  };
  (devStore.store.state.scheduledEvents ??= []).push(event);
  devStore.store.changed();
  // Also due in real time, for a dev store left running that long.
  devStore.runtime.later(SHOP_REDACT_DELAY_MS, () => void runDueEvents(devStore));
  return { uninstalledAt, shopRedactDueAt: event.dueAt };
}

/** The merchant grants or revokes scopes: tokens carry the new ones, the app gets app/scopes_update. */
export function updateScopes(
  devStore: DevStore,
  domain: string,
  clientId: string,
  scopes: string[],
) {
  const shop = shopOf(devStore, domain);
  const installation = activeInstallation(shop, clientId);
  const previous = installation.scopes.split(",").filter(Boolean);
  installation.scopes = scopes.join(",");
  for (const record of Object.values(devStore.store.state.accessTokens)) {
    if (record.shop === domain && record.clientId === clientId) record.scopes = installation.scopes;
  }
  installation.id ??= devStore.store.nextId();
  devStore.store.changed();
  // https://shopify.dev/docs/api/webhooks?reference=toml#list-of-topics-app-scopes_update
  devStore.runtime.emitTo(shop, clientId, "app/scopes_update", {
    id: installation.id,
    previous,
    current: scopes,
    updated_at: devStore.now().toISOString(),
  });
  return { previous, current: scopes };
}

/**
 * A privacy request as Shopify sends it to the apps of the shop (those installed, and for
 * shop/redact those uninstalled too). The dev store has no customers, so the request names the
 * customer and orders given, or a made-up customer.
 */
export function triggerCompliance(
  devStore: DevStore,
  domain: string,
  topic: ComplianceTopic,
  options: ComplianceOptions = {},
) {
  if (!COMPLIANCE_TOPICS.includes(topic)) {
    throw new LifecycleError(
      `${topic} is not a compliance topic (${COMPLIANCE_TOPICS.join(", ")})`,
      400,
    );
  }
  const shop = shopOf(devStore, domain);
  const subscribed = (clientId: string) =>
    devStore.runtime
      .app(clientId)
      ?.webhooks.some((subscription) => subscription.topics.includes(topic)) ?? false;
  const recipients = Object.values(shop.installations).filter(
    (installation) =>
      (!options.clientId || installation.clientId === options.clientId) &&
      (topic === "shop/redact" || !installation.uninstalledAt) &&
      subscribed(installation.clientId),
  );
  if (recipients.length === 0) {
    throw new LifecycleError(`No app on ${domain} is subscribed to ${topic}`);
  }
  const payload = compliancePayload(devStore, shop, topic, options);
  for (const installation of recipients) {
    devStore.runtime.emitTo(shop, installation.clientId, topic, payload);
  }
  return { topic, clientIds: recipients.map((installation) => installation.clientId), payload };
}

// https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance#subscribe-to-compliance-webhooks
function compliancePayload(
  devStore: DevStore,
  shop: ShopRecord,
  topic: ComplianceTopic,
  options: ComplianceOptions,
) {
  const base = { shop_id: shopNumber(shop), shop_domain: shop.domain };
  if (topic === "shop/redact") return base;
  const customer = {
    id: options.customer?.id ?? randomInt(1_000_000, 9_999_999),
    email: options.customer?.email ?? "customer@example.com",
    phone: options.customer?.phone ?? null,
  };
  if (topic === "customers/redact") {
    return { ...base, customer, orders_to_redact: options.ordersToRedact ?? [] };
  }
  return {
    ...base,
    orders_requested: options.ordersRequested ?? [],
    customer,
    data_request: { id: devStore.store.nextId() },
  };
}

/** Sends what has come due on the dev store's clock; the events sent. */
export function runDueEvents(devStore: DevStore): ScheduledEventRecord[] {
  const now = devStore.now().getTime();
  const events = devStore.store.state.scheduledEvents ?? [];
  const due = events.filter((event) => Date.parse(event.dueAt) <= now);
  if (due.length === 0) return [];
  devStore.store.state.scheduledEvents = events.filter((event) => !due.includes(event));
  devStore.store.changed();
  return due.filter((event) => {
    const shop = devStore.store.shop(event.shop);
    // Reinstalled since: the shop's data is the app's again, and is not to be erased.
    if (shop?.installations[event.clientId]?.uninstalledAt !== event.uninstalledAt) return false;
    devStore.runtime.emitTo(shop, event.clientId, "shop/redact", {
      shop_id: shopNumber(shop),
      shop_domain: shop.domain,
    });
    return true;
  });
}

/** Moves the dev store's clock forward and delivers what came due on the way. */
export function advanceClock(devStore: DevStore, hours: number) {
  if (!Number.isFinite(hours) || hours <= 0) {
    throw new LifecycleError("hours must be a positive number", 400);
  }
  const { state } = devStore.store;
  state.clockOffsetMs = (state.clockOffsetMs ?? 0) + hours * 3600 * 1000;
  devStore.store.changed();
  for (const shop of Object.values(state.shops)) settleBilling(billingEnv(devStore.runtime, shop));
  const sent = runDueEvents(devStore);
  return { now: devStore.now().toISOString(), sent };
}
