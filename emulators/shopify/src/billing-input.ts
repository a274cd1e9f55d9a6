/**
 * The billing mutations' input, checked as Shopify checks it (userErrors with the input's path),
 * and turned into line item records.
 */
import type { Args, ResolverContext } from "./context.ts";
import { compareAmounts, normalizeAmount } from "./money.ts";
import type { SubscriptionLineItemRecord } from "./state.ts";

export interface UserError {
  field: Array<string | number> | null;
  message: string;
}

export interface MoneyInput {
  amount: unknown;
  currencyCode: string;
}

export function checkMoney(
  context: ResolverContext,
  input: MoneyInput,
  field: Array<string | number>,
  label: string,
): { amount: string | null; errors: UserError[] } {
  const amount = normalizeAmount(input.amount);
  const errors: UserError[] = [];
  if (amount === null) errors.push({ field, message: `${label} is not a valid amount` });
  if (input.currencyCode !== context.shop.currencyCode) {
    errors.push({
      field,
      message: `${label} currency must match shop billing currency ${context.shop.currencyCode}.`,
    });
  }
  return { amount, errors };
}

export interface PlanInput {
  appRecurringPricingDetails?: {
    price: MoneyInput;
    interval?: "EVERY_30_DAYS" | "ANNUAL";
    discount?: {
      durationLimitInIntervals?: number | null;
      value?: { amount?: unknown; percentage?: number | null } | null;
    } | null;
  } | null;
  appUsagePricingDetails?: { cappedAmount: MoneyInput; terms: string } | null;
}

export function lineItemFromInput(
  context: ResolverContext,
  plan: PlanInput,
  index: number,
  errors: UserError[],
): SubscriptionLineItemRecord | null {
  const field = ["lineItems", index, "plan"];
  const recurring = plan.appRecurringPricingDetails;
  const usage = plan.appUsagePricingDetails;
  if (!recurring === !usage) {
    errors.push({
      field,
      message: "A plan must have either appRecurringPricingDetails or appUsagePricingDetails",
    });
    return null;
  }
  const base = { id: context.store.nextId(), balanceUsed: "0.0" };
  if (usage) {
    const capped = checkMoney(
      context,
      usage.cappedAmount,
      [...field, "appUsagePricingDetails", "cappedAmount"],
      "Capped amount",
    );
    errors.push(...capped.errors);
    if (capped.amount !== null && compareAmounts(capped.amount, "0") <= 0) {
      errors.push({
        field: [...field, "appUsagePricingDetails", "cappedAmount"],
        message: "Capped amount must be greater than 0",
      });
    }
    if (!usage.terms?.trim()) {
      errors.push({
        field: [...field, "appUsagePricingDetails", "terms"],
        message: "Terms can't be blank",
      });
    }
    return {
      ...base,
      kind: "usage",
      amount: "0.0",
      currencyCode: usage.cappedAmount.currencyCode,
      interval: "EVERY_30_DAYS",
      cappedAmount: capped.amount,
      terms: usage.terms,
      discount: null,
    };
  }
  const details = recurring!;
  const price = checkMoney(
    context,
    details.price,
    [...field, "appRecurringPricingDetails", "price"],
    "Price",
  );
  errors.push(...price.errors);
  const value = details.discount?.value;
  const discountAmount =
    value?.amount === undefined || value.amount === null ? null : normalizeAmount(value.amount);
  const percentage = value?.percentage ?? null;
  if (details.discount && (discountAmount === null) === (percentage === null)) {
    errors.push({
      field: [...field, "appRecurringPricingDetails", "discount", "value"],
      message: "Discount value must have either an amount or a percentage",
    });
  }
  const limit = details.discount?.durationLimitInIntervals ?? null;
  if (limit !== null && limit <= 0) {
    errors.push({
      field: [...field, "appRecurringPricingDetails", "discount", "durationLimitInIntervals"],
      message: "Duration limit in intervals must be greater than 0",
    });
  }
  return {
    ...base,
    kind: "recurring",
    amount: price.amount ?? "0.0",
    currencyCode: details.price.currencyCode,
    interval: details.interval ?? "EVERY_30_DAYS",
    cappedAmount: null,
    terms: null,
    discount: details.discount
      ? {
          amount: discountAmount,
          percentage,
          durationLimitInIntervals: limit,
          remainingDurationInIntervals: limit,
        }
      : null,
  };
}

export function subscriptionErrors(args: Args, items: SubscriptionLineItemRecord[]): UserError[] {
  const errors: UserError[] = [];
  if (!String(args.name ?? "").trim())
    errors.push({ field: ["name"], message: "Name can't be blank" });
  if ((args.lineItems as unknown[]).length === 0) {
    errors.push({ field: ["lineItems"], message: "Line items can't be blank" });
  }
  const kinds = items.map((item) => item.kind);
  if (new Set(kinds).size !== kinds.length) {
    errors.push({
      field: ["lineItems"],
      message: "Only one pricing plan can be defined for each available type",
    });
  }
  if (items.some((item) => item.interval === "ANNUAL") && kinds.includes("usage")) {
    errors.push({
      field: ["lineItems"],
      message: "Annual subscriptions can't have usage pricing",
    });
  }
  if (args.trialDays !== undefined && args.trialDays !== null && args.trialDays < 0) {
    errors.push({ field: ["trialDays"], message: "Trial days must be greater than or equal to 0" });
  }
  return errors;
}
