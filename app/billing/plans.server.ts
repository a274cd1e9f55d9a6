import type { BillingConfig } from "@shopify/shopify-api";

/**
 * Plans charged through the Shopify Billing API. Photo Studio has no paid plan yet: the billing
 * capability (plans, credit packs, capped usage charges) fills this in, and shopify.server.ts
 * already passes it to shopifyApp so `billing.require/check/request` work once plans exist.
 */
export const billingConfig = {} satisfies BillingConfig;

export interface CreditPlan {
  id: string;
  name: string;
  /** Credits included each calendar month; what is left at the month's end expires. */
  monthlyCredits: number;
}

/**
 * Every shop's plan until paid plans exist: standard edits are free without limit, and a small
 * monthly allowance lets a merchant try the AI steps on a few products.
 */
export const FREE_PLAN: CreditPlan = { id: "free", name: "Free", monthlyCredits: 25 };
