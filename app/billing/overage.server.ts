/**
 * Overage: when a job needs more credits than the shop has, and its plan has a capped usage line
 * item, the shortfall is bought as a usage charge (`appUsageRecordCreate`) and granted as credits
 * that never expire. Shopify holds usage to the capped amount the merchant approved; when it
 * refuses a charge at the cap, the job waits (app/jobs/paused-jobs.server.ts) until the merchant
 * raises the cap, buys a pack or changes plan.
 *
 * Each charge carries an idempotency key built from the job and the attempt, so a worker killed
 * between Shopify's answer and the grant asks again with the same key, and Shopify answers with
 * the charge it already made instead of a second one.
 */
import type { PrismaClient } from "@prisma/client";

import type { AdminClient } from "../shopify/admin-types.ts";

import { formatCredits } from "./costs.ts";
import { grantCredits } from "./ledger.server.ts";
import { cents, currentPlan } from "./plan-state.server.ts";
import { CURRENCY } from "./plans.server.ts";

export type OverageOutcome =
  | { kind: "bought"; credits: number; usageRecordId: string }
  /** The plan has no usage line item (Free, annual) or its subscription is not active. */
  | { kind: "unavailable" }
  /** Shopify refused: the charge would take the period's usage beyond the capped amount. */
  | { kind: "cap_reached"; cappedAmount: string | null };

const USAGE_RECORD_CREATE = `#graphql
  mutation PhotoStudioOverage(
    $lineItem: ID!
    $price: MoneyInput!
    $description: String!
    $idempotencyKey: String!
  ) {
    appUsageRecordCreate(
      subscriptionLineItemId: $lineItem
      price: $price
      description: $description
      idempotencyKey: $idempotencyKey
    ) {
      appUsageRecord {
        id
      }
      userErrors {
        field
        message
      }
    }
  }
`;

const overageKey = (jobId: string, attempt: number) => `overage:${jobId}:${attempt}`;

/** Shopify's words when a usage charge would pass the capped amount. */
const CAP_REFUSAL = /exceeds balance remaining|capped amount/i;

/**
 * Buys `credits` for `jobId` as usage, if the shop's plan allows it. `attempt` numbers the job's
 * purchases (a job whose hold still fails after one buys again with the next number).
 */
export async function buyOverageCredits(
  db: PrismaClient,
  adminFor: (shop: string) => Promise<AdminClient>,
  shop: string,
  { jobId, credits, attempt }: { jobId: string; credits: number; attempt: number },
): Promise<OverageOutcome> {
  const installed = await db.shop.findUnique({ where: { shop } });
  // Never a charge after uninstall: Shopify cancels the subscription, and so do we.
  if (!installed || installed.uninstalledAt) return { kind: "unavailable" };
  const { plan, billing } = await currentPlan(db, shop);
  if (!plan.overage || !billing?.usageLineItemId) return { kind: "unavailable" };

  const amount = Math.max(0.01, Math.round(credits * plan.overage.pricePerCredit * 100) / 100);
  const key = overageKey(jobId, attempt);
  const admin = await adminFor(shop);
  const data = await admin.request<{
    appUsageRecordCreate: {
      appUsageRecord: { id: string } | null;
      userErrors: Array<{ message: string }>;
    };
  }>(USAGE_RECORD_CREATE, {
    variables: {
      lineItem: billing.usageLineItemId,
      price: { amount: amount.toFixed(2), currencyCode: billing.currencyCode ?? CURRENCY },
      description: `${formatCredits(credits)} beyond the plan's included credits (Photo Studio job)`,
      idempotencyKey: key,
    },
  });
  const { appUsageRecord, userErrors } = data.appUsageRecordCreate;
  if (!appUsageRecord) {
    if (userErrors.some((error) => CAP_REFUSAL.test(error.message))) {
      await db.shopBilling.update({ where: { shop }, data: { capReachedAt: new Date() } });
      return { kind: "cap_reached", cappedAmount: billing.cappedAmount };
    }
    return { kind: "unavailable" };
  }
  const granted = await grantCredits(db, shop, {
    amount: credits,
    source: `usage:${appUsageRecord.id}`,
    description: `${formatCredits(credits)} bought as usage for $${amount.toFixed(2)}`,
    idempotencyKey: key,
    expiresAt: null,
  });
  if (!granted.repeated) {
    await db.shopBilling.update({
      where: { shop },
      data: { balanceUsed: ((cents(billing.balanceUsed) + cents(amount)) / 100).toFixed(2) },
    });
  }
  return { kind: "bought", credits, usageRecordId: appUsageRecord.id };
}

/** How many usage purchases a job has made: the next attempt's number. */
export async function overageAttempts(db: PrismaClient, shop: string, jobId: string) {
  return db.creditLedgerEntry.count({
    where: { shop, kind: "grant", idempotencyKey: { startsWith: `overage:${jobId}:` } },
  });
}
