/**
 * The shop's plan: what Shopify's Billing API says, kept in `ShopBilling`, and the credit period
 * it puts the shop in. Shopify is the source of truth, so every path that learns something
 * (the plans page, a merchant back from the confirmation page, a subscription webhook in any order
 * or repeated) re-reads `currentAppInstallation` rather than trusting what it was handed.
 */
import type { PrismaClient, ShopBilling } from "@prisma/client";

import { recordAudit } from "../audit/audit.server.ts";
import type { AdminClient } from "../shopify/admin-types.ts";

import { FREE_PLAN, paidPlanByName, planById, type CreditPlan } from "./plans.server.ts";

const DAY_MS = 24 * 3600 * 1000;
/** Included credits renew every 30 days on paid plans (annual plans too), aligned with Shopify's
 * billing period; on the Free plan, every calendar month (UTC). */
export const PAID_PERIOD_MS = 30 * DAY_MS;

export interface CreditPeriod {
  start: Date;
  end: Date;
  /** Unique per plan and period: the grant's idempotency key is built on it. */
  key: string;
  label: string;
}

/** A calendar month in UTC: the Free plan's included credits are granted for it. */
export function calendarPeriod(now: Date): CreditPeriod {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const key = `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, "0")}`;
  const label = start.toLocaleString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
  return { start, end, key, label };
}

const day = (date: Date) =>
  date.toLocaleString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

/**
 * The 30-day window around `now`, stepping from Shopify's current period end in both directions,
 * so renewals need no call to Shopify: a period that ended since the last sync has a successor.
 */
export function subscriptionPeriod(subscriptionId: string, periodEnd: Date, now: Date) {
  const index = Math.floor((now.getTime() - periodEnd.getTime()) / PAID_PERIOD_MS);
  const start = new Date(periodEnd.getTime() + index * PAID_PERIOD_MS);
  const end = new Date(start.getTime() + PAID_PERIOD_MS);
  return {
    start,
    end,
    key: `${subscriptionId.split("/").at(-1)}:${start.toISOString().slice(0, 10)}`,
    label: `${day(start)} – ${day(end)}`,
  } satisfies CreditPeriod;
}

export interface PlanState {
  plan: CreditPlan;
  period: CreditPeriod;
  billing: ShopBilling | null;
}

/** A paid plan counts while its subscription is ACTIVE; frozen or gone, the shop is on Free. */
function payingPlan(billing: ShopBilling | null): CreditPlan | null {
  if (!billing || billing.status !== "ACTIVE" || !billing.subscriptionId) return null;
  if (!billing.currentPeriodEnd) return null;
  return planById(billing.plan);
}

export async function currentPlan(
  db: Pick<PrismaClient, "shopBilling">,
  shop: string,
  now: Date = new Date(),
): Promise<PlanState> {
  const billing = await db.shopBilling.findUnique({ where: { shop } });
  const paid = payingPlan(billing);
  if (paid && billing?.subscriptionId && billing.currentPeriodEnd) {
    return {
      plan: paid,
      period: subscriptionPeriod(billing.subscriptionId, billing.currentPeriodEnd, now),
      billing,
    };
  }
  return { plan: FREE_PLAN, period: calendarPeriod(now), billing };
}

const INSTALLATION_QUERY = `#graphql
  query PhotoStudioBillingState {
    currentAppInstallation {
      activeSubscriptions {
        id
        name
        status
        test
        currentPeriodEnd
        lineItems {
          id
          plan {
            pricingDetails {
              __typename
              ... on AppUsagePricing {
                cappedAmount {
                  amount
                  currencyCode
                }
                balanceUsed {
                  amount
                  currencyCode
                }
              }
            }
          }
        }
      }
    }
  }
`;

interface Money {
  amount: string | number;
  currencyCode: string;
}

interface InstallationSubscription {
  id: string;
  name: string;
  status: string;
  test: boolean;
  currentPeriodEnd: string | null;
  lineItems: Array<{
    id: string;
    plan: {
      pricingDetails: { __typename: string; cappedAmount?: Money; balanceUsed?: Money };
    };
  }>;
}

const decimal = (money: Money | undefined) => (money ? String(money.amount) : null);

/**
 * Reads the shop's subscriptions from Shopify and stores the one Photo Studio sells (a shop has at
 * most one active subscription per app). Records a plan change in the audit log.
 */
export async function syncPlanFromShopify(
  db: PrismaClient,
  admin: AdminClient,
  shop: string,
  { actor = "system" as "merchant" | "system" } = {},
): Promise<ShopBilling> {
  const data = await admin.request<{
    currentAppInstallation: { activeSubscriptions: InstallationSubscription[] };
  }>(INSTALLATION_QUERY);
  const subscription = data.currentAppInstallation.activeSubscriptions.find(
    (candidate) => paidPlanByName(candidate.name) !== null,
  );
  const usage = subscription?.lineItems.find(
    (item) => item.plan.pricingDetails.__typename === "AppUsagePricing",
  );
  const state = subscription
    ? {
        plan: paidPlanByName(subscription.name)!.id,
        subscriptionId: subscription.id,
        status: subscription.status,
        test: subscription.test,
        currentPeriodEnd: subscription.currentPeriodEnd
          ? new Date(subscription.currentPeriodEnd)
          : null,
        usageLineItemId: usage?.id ?? null,
        cappedAmount: decimal(usage?.plan.pricingDetails.cappedAmount),
        balanceUsed: decimal(usage?.plan.pricingDetails.balanceUsed),
        currencyCode: usage?.plan.pricingDetails.cappedAmount?.currencyCode ?? null,
      }
    : {
        plan: FREE_PLAN.id,
        subscriptionId: null,
        status: "NONE",
        test: false,
        currentPeriodEnd: null,
        usageLineItemId: null,
        cappedAmount: null,
        balanceUsed: null,
        currencyCode: null,
      };
  const before = await db.shopBilling.findUnique({ where: { shop } });
  const changedSubscription = before?.subscriptionId !== state.subscriptionId;
  const capRaised =
    before?.cappedAmount !== undefined &&
    before?.cappedAmount !== null &&
    state.cappedAmount !== null &&
    Number(state.cappedAmount) > Number(before.cappedAmount);
  const saved = await db.shopBilling.upsert({
    where: { shop },
    create: { shop, ...state, activatedAt: subscription ? new Date() : null },
    update: {
      ...state,
      ...(changedSubscription ? { activatedAt: subscription ? new Date() : null } : {}),
      // A new subscription, or a higher cap, starts the warnings afresh.
      ...(changedSubscription || capRaised ? { capWarnedAt: null, capReachedAt: null } : {}),
    },
  });
  const from = before?.plan ?? FREE_PLAN.id;
  if (from !== saved.plan || (changedSubscription && before)) {
    await recordAudit(db, shop, {
      action: "plan.changed",
      actor,
      details: { from, to: saved.plan, test: saved.test },
    });
  }
  return saved;
}

/** Money in cents, from Shopify's decimal amounts. */
export const cents = (amount: string | number | null | undefined) =>
  Math.round(Number(amount ?? 0) * 100);
