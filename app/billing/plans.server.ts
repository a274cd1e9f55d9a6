import { BillingInterval, type BillingConfig } from "@shopify/shopify-api";

/**
 * What Photo Studio sells, charged through the Shopify Billing API: a Free plan, paid plans with
 * credits included every 30 days (monthly ones with a capped usage line item for overage), and
 * one-time credit packs. Standard edits (crop, pad, resize, format, presets without AI) are free
 * on every plan; AI steps cost credits (app/billing/costs.ts).
 *
 * The Billing API names a charge by its plan's name, which the merchant reads on Shopify's
 * confirmation page and invoice, so the names below are the keys of `billingConfig` too.
 */

export type PlanId = "free" | "pro" | "pro-annual" | "business";

export interface Overage {
  /** What one credit beyond the included ones costs, in the plan's currency. */
  pricePerCredit: number;
  /** The usage line item's capped amount per 30 days, until the merchant approves a higher one. */
  cappedAmount: number;
}

export interface CreditPlan {
  id: PlanId;
  /** The charge's name on Shopify's confirmation page and invoice. */
  name: string;
  /** Credits included each period; what is left at the period's end expires. */
  monthlyCredits: number;
  price: number;
  interval: "free" | "monthly" | "annual";
  trialDays: number;
  /** Charged as usage beyond the included credits; annual plans have none (Shopify allows usage
   * line items on 30-day subscriptions only). */
  overage: Overage | null;
}

export const CURRENCY = "USD";

export const FREE_PLAN: CreditPlan = {
  id: "free",
  name: "Free",
  monthlyCredits: 25,
  price: 0,
  interval: "free",
  trialDays: 0,
  overage: null,
};

export const PAID_PLANS: readonly CreditPlan[] = [
  {
    id: "pro",
    name: "Photo Studio Pro",
    monthlyCredits: 400,
    price: 19,
    interval: "monthly",
    trialDays: 7,
    overage: { pricePerCredit: 0.05, cappedAmount: 20 },
  },
  {
    id: "pro-annual",
    name: "Photo Studio Pro (annual)",
    monthlyCredits: 400,
    price: 190,
    interval: "annual",
    trialDays: 7,
    overage: null,
  },
  {
    id: "business",
    name: "Photo Studio Business",
    monthlyCredits: 1500,
    price: 49,
    interval: "monthly",
    trialDays: 7,
    overage: { pricePerCredit: 0.04, cappedAmount: 100 },
  },
];

export const PLANS: readonly CreditPlan[] = [FREE_PLAN, ...PAID_PLANS];

export interface CreditPack {
  id: string;
  name: string;
  credits: number;
  price: number;
}

/** One-time purchases; their credits never expire. */
export const CREDIT_PACKS: readonly CreditPack[] = [
  { id: "pack-100", name: "100 Photo Studio credits", credits: 100, price: 6 },
  { id: "pack-500", name: "500 Photo Studio credits", credits: 500, price: 25 },
  { id: "pack-2000", name: "2,000 Photo Studio credits", credits: 2000, price: 80 },
];

export function planById(id: string | null | undefined): CreditPlan | null {
  return PLANS.find((plan) => plan.id === id) ?? null;
}

export function paidPlanByName(name: string): CreditPlan | null {
  return PAID_PLANS.find((plan) => plan.name === name) ?? null;
}

export function packById(id: string | null | undefined): CreditPack | null {
  return CREDIT_PACKS.find((pack) => pack.id === id) ?? null;
}

export function packByName(name: string): CreditPack | null {
  return CREDIT_PACKS.find((pack) => pack.name === name) ?? null;
}

export const overageTerms = (overage: Overage) =>
  `$${overage.pricePerCredit.toFixed(2)} per credit beyond the credits included in the plan`;

function subscriptionConfig(plan: CreditPlan): BillingConfig[string] {
  return {
    trialDays: plan.trialDays,
    lineItems: [
      {
        interval: plan.interval === "annual" ? BillingInterval.Annual : BillingInterval.Every30Days,
        amount: plan.price,
        currencyCode: CURRENCY,
      },
      ...(plan.overage
        ? [
            {
              interval: BillingInterval.Usage as const,
              amount: plan.overage.cappedAmount,
              currencyCode: CURRENCY,
              terms: overageTerms(plan.overage),
            },
          ]
        : []),
    ],
  };
}

/** shopifyApp's `billing` option: what `billing.request/check/cancel` know by name. */
export const billingConfig: BillingConfig = Object.fromEntries([
  ...PAID_PLANS.map((plan) => [plan.name, subscriptionConfig(plan)] as const),
  ...CREDIT_PACKS.map(
    (pack) =>
      [
        pack.name,
        { interval: BillingInterval.OneTime, amount: pack.price, currencyCode: CURRENCY },
      ] as const,
  ),
]);
