/**
 * The app's charges as the Admin API shows them: AppSubscription (line items, pricing details,
 * usage records), AppPurchaseOneTime and the AppInstallation that lists them.
 */
import { appBase } from "./admin/layout.ts";
import { connection, type ConnectionArgs } from "./connection.ts";
import type { ResolverContext } from "./context.ts";
import { gid, parseGid } from "./ids.ts";
import { applyPercentage, money, subtractAmount } from "./money.ts";
import { runtimeFor } from "./runtime.ts";
import type {
  OneTimePurchaseRecord,
  SubscriptionLineItemRecord,
  SubscriptionRecord,
  UsageRecordRecord,
} from "./state.ts";

export const appSubscriptions = (context: ResolverContext) =>
  context.shop.subscriptions.filter((subscription) => subscription.clientId === context.clientId);

function discountView(item: SubscriptionLineItemRecord) {
  const discount = item.discount;
  if (!discount) return null;
  const applies = discount.remainingDurationInIntervals !== 0;
  const discounted =
    discount.amount !== null
      ? subtractAmount(item.amount, discount.amount)
      : applyPercentage(item.amount, discount.percentage ?? 0);
  return {
    __typename: "AppSubscriptionDiscount",
    durationLimitInIntervals: discount.durationLimitInIntervals,
    remainingDurationInIntervals: discount.remainingDurationInIntervals,
    priceAfterDiscount: money(applies ? discounted : item.amount, item.currencyCode),
    value:
      discount.amount !== null
        ? {
            __typename: "AppSubscriptionDiscountAmount",
            amount: money(discount.amount, item.currencyCode),
          }
        : { __typename: "AppSubscriptionDiscountPercentage", percentage: discount.percentage },
  };
}

function pricingDetailsView(item: SubscriptionLineItemRecord) {
  if (item.kind === "usage") {
    return {
      __typename: "AppUsagePricing",
      balanceUsed: money(item.balanceUsed, item.currencyCode),
      cappedAmount: money(item.cappedAmount ?? "0.0", item.currencyCode),
      interval: "EVERY_30_DAYS",
      terms: item.terms ?? "",
    };
  }
  return {
    __typename: "AppRecurringPricing",
    price: money(item.amount, item.currencyCode),
    interval: item.interval,
    planHandle: null,
    discount: discountView(item),
  };
}

function lineItemView(context: ResolverContext, item: SubscriptionLineItemRecord): object {
  return {
    __typename: "AppSubscriptionLineItem",
    id: gid("AppSubscriptionLineItem", item.id),
    plan: { __typename: "AppPlanV2", pricingDetails: pricingDetailsView(item) },
    usageRecords: (args: ConnectionArgs) =>
      connection(
        context.shop.usageRecords.filter((record) => record.lineItemId === item.id),
        args,
        (record) => record.id,
        (record) => usageRecordView(context, record),
      ),
  };
}

export function subscriptionView(context: ResolverContext, subscription: SubscriptionRecord) {
  return {
    __typename: "AppSubscription",
    id: gid("AppSubscription", subscription.id),
    name: subscription.name,
    status: subscription.status,
    test: subscription.test,
    trialDays: subscription.trialDays,
    createdAt: subscription.createdAt,
    returnUrl: subscription.returnUrl,
    // "Returns null if the subscription isn't active."
    currentPeriodEnd: subscription.status === "ACTIVE" ? subscription.currentPeriodEnd : null,
    lineItems: subscription.lineItems.map((item) => lineItemView(context, item)),
  };
}

export function findLineItem(context: ResolverContext, id: unknown) {
  const parsed = parseGid(id, "AppSubscriptionLineItem");
  for (const subscription of appSubscriptions(context)) {
    const item = subscription.lineItems.find((candidate) => candidate.id === parsed?.id);
    if (item) return { subscription, item };
  }
  return null;
}

export function usageRecordView(context: ResolverContext, record: UsageRecordRecord) {
  return {
    __typename: "AppUsageRecord",
    id: gid("AppUsageRecord", record.id),
    createdAt: record.createdAt,
    description: record.description,
    idempotencyKey: record.idempotencyKey,
    price: money(record.price, record.currencyCode),
    subscriptionLineItem: () => {
      const found = findLineItem(context, gid("AppSubscriptionLineItem", record.lineItemId));
      return found && lineItemView(context, found.item);
    },
  };
}

export function purchaseView(purchase: OneTimePurchaseRecord) {
  return {
    __typename: "AppPurchaseOneTime",
    id: gid("AppPurchaseOneTime", purchase.id),
    name: purchase.name,
    price: money(purchase.price, purchase.currencyCode),
    status: purchase.status,
    test: purchase.test,
    createdAt: purchase.createdAt,
  };
}

/** Granted scopes as the API lists them: a write scope brings its read scope. */
function accessScopes(scopes: string) {
  const handles = scopes.split(",").flatMap((scope) => {
    const read = scope.startsWith("write_") ? [`read_${scope.slice("write_".length)}`] : [];
    return [scope, ...read];
  });
  return [...new Set(handles)].map((handle) => ({ __typename: "AccessScope", handle }));
}

function byCreation<T extends { id: number; createdAt: string }>(records: T[]) {
  return [...records].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
}

export function installationView(context: ResolverContext) {
  const installation = context.shop.installations[context.clientId]!;
  installation.id ??= context.store.nextId();
  const app = runtimeFor(context).app(context.clientId);
  return {
    __typename: "AppInstallation",
    id: gid("AppInstallation", installation.id),
    accessScopes: accessScopes(installation.scopes),
    launchUrl: app ? context.publicUrl(appBase(context.shop, app)) : null,
    activeSubscriptions: () =>
      appSubscriptions(context)
        .filter((subscription) => subscription.status === "ACTIVE")
        .map((subscription) => subscriptionView(context, subscription)),
    allSubscriptions: (args: ConnectionArgs) =>
      connection(
        byCreation(appSubscriptions(context)),
        args,
        (subscription) => subscription.id,
        (subscription) => subscriptionView(context, subscription),
      ),
    oneTimePurchases: (args: ConnectionArgs) =>
      connection(
        byCreation(
          context.shop.oneTimePurchases.filter(
            (purchase) => purchase.clientId === context.clientId,
          ),
        ),
        args,
        (purchase) => purchase.id,
        purchaseView,
      ),
  };
}
