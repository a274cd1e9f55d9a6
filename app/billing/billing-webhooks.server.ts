/**
 * The Billing API's webhooks (one route, app/routes/webhooks.billing.tsx, subscribed in
 * shopify.app.toml): app_subscriptions/update, app_subscriptions/approaching_capped_amount and
 * app_purchases_one_time/update. Each is a hint to re-read billing from Shopify (billing-sync);
 * the payload itself is never trusted for a plan or a grant.
 */
import type { PrismaClient } from "@prisma/client";

import type { AdminClient } from "../shopify/admin-types.ts";

import { refreshBilling, type BillingSyncDeps } from "./billing-sync.server.ts";

export const BILLING_TOPICS = [
  "APP_SUBSCRIPTIONS_UPDATE",
  "APP_SUBSCRIPTIONS_APPROACHING_CAPPED_AMOUNT",
  "APP_PURCHASES_ONE_TIME_UPDATE",
] as const;

/** shopify-app-remix names topics in GraphQL's enum style; the TOML in REST's. */
const normalise = (topic: string) => topic.toUpperCase().replaceAll("/", "_");

export function isBillingTopic(topic: string) {
  return (BILLING_TOPICS as readonly string[]).includes(normalise(topic));
}

async function markCapWarning(db: PrismaClient, shop: string) {
  // Once per cap: a repeated warning keeps the first time; a higher cap clears it (plan-state).
  await db.shopBilling.updateMany({
    where: { shop, capWarnedAt: null },
    data: { capWarnedAt: new Date() },
  });
}

/**
 * `admin` is null when the shop has no session any more (uninstalled): there is nothing to read
 * then, and nothing will be charged (overage.server.ts checks the installation first).
 */
export async function handleBillingWebhook(
  deps: BillingSyncDeps,
  { shop, topic, admin }: { shop: string; topic: string; admin: AdminClient | null },
) {
  if (!admin) return { refreshed: false };
  const result = await refreshBilling(deps, admin, shop);
  if (normalise(topic) === "APP_SUBSCRIPTIONS_APPROACHING_CAPPED_AMOUNT") {
    await markCapWarning(deps.db, shop);
  }
  return { refreshed: true, ...result };
}
