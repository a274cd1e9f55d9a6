/**
 * What a merchant does on the plans page, through shopify-app-remix's billing helpers: choose a
 * plan (a new subscription replaces the current one, prorated as Shopify does), cancel back to
 * Free, raise the spending limit for overage, buy a credit pack. Requests and cap raises end on
 * Shopify's confirmation page (the helpers throw the redirect there); Shopify sends the merchant
 * back to the plans page, whose loader re-reads billing from the API.
 */
import { z } from "zod";

import type { AdminClient } from "../shopify/admin-types.ts";

import { refreshBilling, usesTestCharges, type BillingSyncDeps } from "./billing-sync.server.ts";
import { currentPlan } from "./plan-state.server.ts";
import { CURRENCY, packById, planById } from "./plans.server.ts";

/** The slice of `authenticate.admin(request).billing` these actions use. */
export interface BillingHelpers {
  request(options: { plan: string; isTest?: boolean; returnUrl?: string }): Promise<never>;
  cancel(options: {
    subscriptionId: string;
    isTest?: boolean;
    prorate?: boolean;
  }): Promise<unknown>;
  updateUsageCappedAmount(options: {
    subscriptionLineItemId: string;
    cappedAmount: { amount: number; currencyCode: string };
  }): Promise<never>;
}

/** Spending limits a merchant can pick for overage, per 30 days. */
export const CAP_CHOICES = [20, 50, 100, 200, 500] as const;

export const planIntentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("subscribe"), plan: z.string() }),
  z.object({ intent: z.literal("cancel") }),
  z.object({ intent: z.literal("raiseCap"), amount: z.coerce.number().positive() }),
  z.object({ intent: z.literal("buyPack"), pack: z.string() }),
]);
export type PlanIntent = z.infer<typeof planIntentSchema>;

export class PlanActionError extends Error {
  override name = "PlanActionError";
}

/** Where Shopify sends the merchant after the confirmation page: this app's plans page, in admin. */
export function plansReturnUrl(shop: string, apiKey: string) {
  const store = shop.replace(/\.myshopify\.com$/, "");
  return `https://admin.shopify.com/store/${store}/apps/${apiKey}/app/plans`;
}

export async function runPlanIntent(
  deps: BillingSyncDeps,
  context: { shop: string; apiKey: string; billing: BillingHelpers; admin: AdminClient },
  intent: PlanIntent,
): Promise<{ message: string }> {
  const { shop, billing, admin } = context;
  const isTest = await usesTestCharges(admin);
  const returnUrl = plansReturnUrl(shop, context.apiKey);
  const { plan: current, billing: state } = await currentPlan(deps.db, shop);

  switch (intent.intent) {
    case "subscribe": {
      const plan = planById(intent.plan);
      if (!plan || plan.id === "free") throw new PlanActionError("Choose one of the plans shown.");
      if (plan.id === current.id) throw new PlanActionError(`You are already on ${plan.name}.`);
      return billing.request({ plan: plan.name, isTest, returnUrl });
    }
    case "buyPack": {
      const pack = packById(intent.pack);
      if (!pack) throw new PlanActionError("Choose one of the credit packs shown.");
      return billing.request({ plan: pack.name, isTest, returnUrl });
    }
    case "raiseCap": {
      if (!state?.usageLineItemId || !current.overage) {
        throw new PlanActionError(
          "Your plan has no spending limit to raise: choose a monthly plan.",
        );
      }
      if (Number(state.cappedAmount ?? 0) >= intent.amount) {
        throw new PlanActionError(
          `Your limit is already $${Number(state.cappedAmount).toFixed(2)}: choose a higher one.`,
        );
      }
      return billing.updateUsageCappedAmount({
        subscriptionLineItemId: state.usageLineItemId,
        cappedAmount: { amount: intent.amount, currencyCode: state.currencyCode ?? CURRENCY },
      });
    }
    case "cancel": {
      if (!state?.subscriptionId || current.id === "free") {
        throw new PlanActionError("You are on the Free plan: there is nothing to cancel.");
      }
      await billing.cancel({ subscriptionId: state.subscriptionId, isTest, prorate: true });
      await refreshBilling(deps, admin, shop, { actor: "merchant" });
      return {
        message:
          "Your plan is canceled and you are on Free. Credits you bought stay yours; included " +
          "credits last until the end of the period.",
      };
    }
  }
}
