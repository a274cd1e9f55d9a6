/**
 * The life of an app's charges (https://shopify.dev/docs/apps/launch/billing): a subscription or
 * one-time purchase waits for the merchant (PENDING) on its confirmation page; approving makes it
 * ACTIVE, replacing the app's current subscription as its replacementBehavior says; declining
 * makes it DECLINED; one left alone for two days EXPIRES. Active subscriptions renew every 30 days
 * (or year) on the dev store's clock, which starts usage balances again from zero. Every status
 * change is sent to the app as app_subscriptions/update or app_purchases_one_time/update.
 */
import { gid } from "./ids.ts";
import { compareAmounts } from "./money.ts";
import type { DevStoreRuntime } from "./runtime.ts";
import type {
  OneTimePurchaseRecord,
  ShopRecord,
  StateStore,
  SubscriptionLineItemRecord,
  SubscriptionRecord,
} from "./state.ts";
import { shopNumber } from "./views.ts";

const DAY_MS = 24 * 3600 * 1000;
/** A charge the merchant has neither approved nor declined expires after two days. */
const PENDING_LIFETIME_MS = 2 * DAY_MS;
const INTERVAL_DAYS = { EVERY_30_DAYS: 30, ANNUAL: 365 } as const;

export interface BillingEnv {
  store: StateStore;
  shop: ShopRecord;
  now: Date;
  emit: (clientId: string, topic: string, payload: unknown) => void;
}

export function billingEnv(runtime: DevStoreRuntime, shop: ShopRecord): BillingEnv {
  return {
    store: runtime.devStore.store,
    shop,
    now: runtime.now(),
    emit: (clientId, topic, payload) => runtime.emitTo(shop, clientId, topic, payload),
  };
}

const addDays = (from: string, days: number) =>
  new Date(Date.parse(from) + days * DAY_MS).toISOString();

export const recurringItem = (subscription: SubscriptionRecord) =>
  subscription.lineItems.find((item) => item.kind === "recurring");
export const usageItem = (subscription: SubscriptionRecord) =>
  subscription.lineItems.find((item) => item.kind === "usage");

function intervalDays(subscription: SubscriptionRecord): number {
  return INTERVAL_DAYS[recurringItem(subscription)?.interval ?? "EVERY_30_DAYS"];
}

const currencyOf = (subscription: SubscriptionRecord) =>
  subscription.lineItems[0]?.currencyCode ?? "USD";

// https://shopify.dev/docs/api/webhooks?reference=toml#list-of-topics-app_subscriptions-update
export function subscriptionPayload(shop: ShopRecord, subscription: SubscriptionRecord) {
  const usage = usageItem(subscription);
  return {
    app_subscription: {
      admin_graphql_api_id: gid("AppSubscription", subscription.id),
      name: subscription.name,
      status: subscription.status,
      admin_graphql_api_shop_id: gid("Shop", shopNumber(shop)),
      created_at: subscription.createdAt,
      updated_at: subscription.updatedAt ?? subscription.createdAt,
      currency: currencyOf(subscription),
      ...(usage ? { capped_amount: usage.cappedAmount } : {}),
    },
  };
}

/** Shopify warns the app once the usage charges of a period reach 90% of the capped amount. */
const APPROACHING_SHARE = 0.9;

/**
 * Sends app_subscriptions/approaching_capped_amount when a usage charge takes the line item's
 * balance across 90% of its cap (once per crossing: the next one needs a new period or cap).
 */
export function notifyIfApproachingCap(
  env: BillingEnv,
  subscription: SubscriptionRecord,
  item: SubscriptionLineItemRecord,
  balanceBefore: string,
) {
  const cap = Number(item.cappedAmount ?? 0);
  if (cap <= 0) return;
  const threshold = cap * APPROACHING_SHARE;
  if (Number(balanceBefore) >= threshold || Number(item.balanceUsed) < threshold) return;
  const { app_subscription } = subscriptionPayload(env.shop, subscription);
  env.emit(subscription.clientId, "app_subscriptions/approaching_capped_amount", {
    app_subscription: {
      ...app_subscription,
      balance_used: Number(item.balanceUsed),
      capped_amount: item.cappedAmount,
      currency_code: item.currencyCode,
    },
  });
}

function purchasePayload(shop: ShopRecord, purchase: OneTimePurchaseRecord) {
  return {
    app_purchase_one_time: {
      admin_graphql_api_id: gid("AppPurchaseOneTime", purchase.id),
      name: purchase.name,
      status: purchase.status,
      admin_graphql_api_shop_id: gid("Shop", shopNumber(shop)),
      created_at: purchase.createdAt,
      updated_at: purchase.updatedAt ?? purchase.createdAt,
    },
  };
}

function touch(env: BillingEnv, record: { updatedAt?: string }) {
  record.updatedAt = env.now.toISOString();
  env.store.changed();
}

export function setSubscriptionStatus(
  env: BillingEnv,
  subscription: SubscriptionRecord,
  status: SubscriptionRecord["status"],
  { notify = true } = {},
) {
  subscription.status = status;
  touch(env, subscription);
  if (notify) {
    env.emit(
      subscription.clientId,
      "app_subscriptions/update",
      subscriptionPayload(env.shop, subscription),
    );
  }
}

function setPurchaseStatus(
  env: BillingEnv,
  purchase: OneTimePurchaseRecord,
  status: OneTimePurchaseRecord["status"],
) {
  purchase.status = status;
  touch(env, purchase);
  env.emit(purchase.clientId, "app_purchases_one_time/update", purchasePayload(env.shop, purchase));
}

function activate(env: BillingEnv, subscription: SubscriptionRecord, at: string) {
  subscription.activatedAt = at;
  subscription.approvedAt = null;
  subscription.replacesId = null;
  // Billing starts when the trial ends; the first period runs one interval from there.
  subscription.currentPeriodEnd = addDays(at, subscription.trialDays + intervalDays(subscription));
  setSubscriptionStatus(env, subscription, "ACTIVE");
}

const comparableItems = (subscription: SubscriptionRecord) =>
  JSON.stringify(
    subscription.lineItems.map(({ kind, amount, currencyCode, interval, cappedAmount, terms }) => ({
      kind,
      amount,
      currencyCode,
      interval,
      cappedAmount,
      terms,
    })),
  );

/**
 * Whether approving `next` waits for `current` to finish its billing cycle instead of replacing it
 * at once.
 * https://shopify.dev/docs/api/admin-graphql/latest/enums/AppSubscriptionReplacementBehavior
 */
function defersReplacement(current: SubscriptionRecord, next: SubscriptionRecord): boolean {
  const behavior = next.replacementBehavior ?? "STANDARD";
  const sameCurrency = currencyOf(current) === currencyOf(next);
  if (behavior === "APPLY_IMMEDIATELY" || !sameCurrency) return false;
  if (behavior === "APPLY_ON_NEXT_BILLING_CYCLE") return true;
  const was = recurringItem(current);
  const will = recurringItem(next);
  if (was?.interval === "ANNUAL" && will?.interval === "ANNUAL")
    return compareAmounts(will.amount, was.amount) < 0;
  if (was?.interval === "ANNUAL" && will?.interval === "EVERY_30_DAYS") return true;
  const discount = (item?: SubscriptionLineItemRecord) => JSON.stringify(item?.discount ?? null);
  return comparableItems(current) === comparableItems(next) && discount(was) !== discount(will);
}

/** The merchant approved: the subscription starts now, or when the one it replaces ends. */
export function approveSubscription(env: BillingEnv, subscription: SubscriptionRecord) {
  const current = env.shop.subscriptions.filter(
    (other) =>
      other.clientId === subscription.clientId &&
      other.id !== subscription.id &&
      (other.status === "ACTIVE" || other.status === "FROZEN"),
  );
  const waitFor = current.find(
    (other) => other.currentPeriodEnd && defersReplacement(other, subscription),
  );
  const now = env.now.toISOString();
  if (waitFor) {
    subscription.approvedAt = now;
    subscription.replacesId = waitFor.id;
    touch(env, subscription);
    return;
  }
  for (const other of current) setSubscriptionStatus(env, other, "CANCELLED");
  activate(env, subscription, now);
}

export function declineSubscription(env: BillingEnv, subscription: SubscriptionRecord) {
  setSubscriptionStatus(env, subscription, "DECLINED");
}

export function approvePurchase(env: BillingEnv, purchase: OneTimePurchaseRecord) {
  setPurchaseStatus(env, purchase, "ACTIVE");
}

export function declinePurchase(env: BillingEnv, purchase: OneTimePurchaseRecord) {
  setPurchaseStatus(env, purchase, "DECLINED");
}

/** The merchant approved a higher capped amount for a usage line item. */
export function approveCappedAmount(
  env: BillingEnv,
  subscription: SubscriptionRecord,
  item: SubscriptionLineItemRecord,
) {
  item.cappedAmount = item.pendingCappedAmount ?? item.cappedAmount;
  item.pendingCappedAmount = null;
  item.pendingCapToken = null;
  touch(env, subscription);
  env.emit(
    subscription.clientId,
    "app_subscriptions/update",
    subscriptionPayload(env.shop, subscription),
  );
}

export function declineCappedAmount(env: BillingEnv, item: SubscriptionLineItemRecord) {
  item.pendingCappedAmount = null;
  item.pendingCapToken = null;
  env.store.changed();
}

const isPast = (env: BillingEnv, iso: string | null | undefined) =>
  !!iso && Date.parse(iso) <= env.now.getTime();

/** Brings the shop's charges up to the dev store's clock: expiries, deferred replacements, renewals. */
export function settleBilling(env: BillingEnv) {
  const { shop } = env;
  for (const subscription of shop.subscriptions) {
    if (
      subscription.status === "PENDING" &&
      !subscription.approvedAt &&
      Date.parse(subscription.createdAt) + PENDING_LIFETIME_MS <= env.now.getTime()
    ) {
      setSubscriptionStatus(env, subscription, "EXPIRED");
    }
  }
  for (const subscription of shop.subscriptions) {
    if (subscription.status !== "PENDING" || !subscription.approvedAt) continue;
    const replaced = shop.subscriptions.find((other) => other.id === subscription.replacesId);
    const stillActive = replaced?.status === "ACTIVE" || replaced?.status === "FROZEN";
    if (stillActive && !isPast(env, replaced.currentPeriodEnd)) continue;
    if (stillActive) setSubscriptionStatus(env, replaced, "CANCELLED");
    activate(env, subscription, stillActive ? replaced.currentPeriodEnd! : env.now.toISOString());
  }
  for (const subscription of shop.subscriptions) {
    if (subscription.status !== "ACTIVE") continue;
    while (isPast(env, subscription.currentPeriodEnd)) renew(subscription);
    env.store.changed();
  }
  for (const purchase of shop.oneTimePurchases) {
    if (
      purchase.status === "PENDING" &&
      Date.parse(purchase.createdAt) + PENDING_LIFETIME_MS <= env.now.getTime()
    ) {
      setPurchaseStatus(env, purchase, "EXPIRED");
    }
  }
}

/** A new billing period: usage charges start again from zero, discounts count down. */
function renew(subscription: SubscriptionRecord) {
  subscription.currentPeriodEnd = addDays(
    subscription.currentPeriodEnd!,
    intervalDays(subscription),
  );
  for (const item of subscription.lineItems) {
    if (item.kind === "usage") item.balanceUsed = "0.0";
    const discount = item.discount;
    if (discount?.remainingDurationInIntervals) discount.remainingDurationInIntervals -= 1;
  }
}

/** On uninstall Shopify cancels the app's subscriptions; the app hears nothing more. */
export function cancelOnUninstall(env: BillingEnv, clientId: string) {
  for (const subscription of env.shop.subscriptions) {
    if (subscription.clientId !== clientId) continue;
    if (subscription.status === "ACTIVE" || subscription.status === "FROZEN") {
      setSubscriptionStatus(env, subscription, "CANCELLED", { notify: false });
    }
  }
}
