/**
 * The pages where the merchant approves or declines an app's charges, at the confirmation URLs the
 * billing mutations return (admin.shopify.com's paths, under the dev store's admin shell).
 * Approving sends the merchant to the charge's returnUrl with `charge_id`; declining sends them
 * back to the app in admin, as Shopify does.
 * https://shopify.dev/docs/apps/launch/billing/subscription-billing/create-time-based-subscriptions
 */
import { storeName } from "./admin/app-url.ts";
import { findApp } from "./admin/app-page.ts";
import { html, type SafeHtml } from "./admin/html.ts";
import { adminPage, appBase, notFoundPage } from "./admin/layout.ts";
import type { AppRegistration } from "./apps.ts";
import {
  approveCappedAmount,
  approvePurchase,
  approveSubscription,
  billingEnv,
  type BillingEnv,
  declineCappedAmount,
  declinePurchase,
  declineSubscription,
  recurringItem,
  settleBilling,
  usageItem,
} from "./charges.ts";
import type { DevStore, DevStoreRoute } from "./server.ts";
import type {
  OneTimePurchaseRecord,
  ShopRecord,
  SubscriptionLineItemRecord,
  SubscriptionRecord,
} from "./state.ts";

const CONFIRMATIONS = {
  subscription: "RecurringApplicationCharge/confirm_recurring_application_charge",
  purchase: "ApplicationCharge/confirm_application_charge",
  cappedAmount: "RecurringApplicationCharge/confirm_update_capped_amount",
} as const;

type ConfirmationKind = keyof typeof CONFIRMATIONS;

/** The path of a charge's confirmation page; `signature` proves it was handed out by the API. */
export function confirmationPath(
  shop: ShopRecord,
  app: AppRegistration,
  kind: ConfirmationKind,
  chargeId: number,
  signature: string,
) {
  const base = `/store/${storeName(shop.domain)}/charges/${app.handle}/${chargeId}`;
  return `${base}/${CONFIRMATIONS[kind]}?signature=${encodeURIComponent(signature)}`;
}

const PATH = /^\/store\/([a-z0-9][a-z0-9-]*)\/charges\/([^/]+)\/(\d+)\/(\w+\/\w+)$/;

function redirect(location: string) {
  return new Response(null, { status: 303, headers: { Location: location } });
}

/**
 * The dev store stands in for admin.shopify.com, so a return URL into admin (shopify-api's
 * default for embedded apps) lands in the dev store's admin shell.
 */
function throughDevStoreAdmin(devStore: DevStore, location: string) {
  const url = new URL(location);
  return url.host === "admin.shopify.com"
    ? `${devStore.publicOrigin}${url.pathname}${url.search}`
    : location;
}

function withChargeId(returnUrl: string, chargeId: number) {
  const url = new URL(returnUrl);
  url.searchParams.set("charge_id", String(chargeId));
  return url.toString();
}

function formatMoney(amount: string, currencyCode: string) {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currencyCode }).format(
    Number(amount),
  );
}

const PER_INTERVAL = { EVERY_30_DAYS: "every 30 days", ANNUAL: "every year" } as const;

function lineItemTerms(item: SubscriptionLineItemRecord): SafeHtml {
  if (item.kind === "usage") {
    return html`<dt>Usage charges</dt>
      <dd>
        Up to ${formatMoney(item.cappedAmount ?? "0", item.currencyCode)} every 30 days
        <p class="terms">${item.terms ?? ""}</p>
      </dd>`;
  }
  const discount = item.discount;
  const discountText = discount
    ? html` <span class="discount"
        >(${discount.amount ? formatMoney(discount.amount, item.currencyCode) : `${Math.round((discount.percentage ?? 0) * 100)}%`}
        off${discount.durationLimitInIntervals ? ` for ${discount.durationLimitInIntervals} billing cycles` : ""})</span
      >`
    : "";
  return html`<dt>Price</dt>
    <dd>
      ${formatMoney(item.amount, item.currencyCode)} ${PER_INTERVAL[item.interval]}${discountText}
    </dd>`;
}

interface Confirmation {
  title: string;
  chargeName: string;
  test: boolean;
  pending: boolean;
  status: string;
  terms: SafeHtml;
  approve: () => string;
  decline: () => void;
}

function subscriptionConfirmation(env: BillingEnv, subscription: SubscriptionRecord): Confirmation {
  return {
    title: "Approve subscription",
    chargeName: subscription.name,
    test: subscription.test,
    // Approved already when it waits for the current subscription's billing cycle to end.
    pending: subscription.status === "PENDING" && !subscription.approvedAt,
    status: subscription.approvedAt ? "approved" : subscription.status.toLowerCase(),
    terms: html`${subscription.lineItems.map(lineItemTerms)}
    ${
      subscription.trialDays > 0
        ? html`<dt>Free trial</dt>
            <dd>${subscription.trialDays} days</dd>`
        : ""
    }`,
    approve: () => {
      approveSubscription(env, subscription);
      return withChargeId(subscription.returnUrl, subscription.id);
    },
    decline: () => declineSubscription(env, subscription),
  };
}

function purchaseConfirmation(env: BillingEnv, purchase: OneTimePurchaseRecord): Confirmation {
  return {
    title: "Approve charge",
    chargeName: purchase.name,
    test: purchase.test,
    pending: purchase.status === "PENDING",
    status: purchase.status.toLowerCase(),
    terms: html`<dt>One-time charge</dt>
      <dd>${formatMoney(purchase.price, purchase.currencyCode)}</dd>`,
    approve: () => {
      approvePurchase(env, purchase);
      return withChargeId(purchase.returnUrl, purchase.id);
    },
    decline: () => declinePurchase(env, purchase),
  };
}

function cappedAmountConfirmation(
  env: BillingEnv,
  subscription: SubscriptionRecord,
  item: SubscriptionLineItemRecord,
): Confirmation {
  const recurring = recurringItem(subscription);
  return {
    title: "Approve new spending limit",
    chargeName: subscription.name,
    test: subscription.test,
    pending: subscription.status === "ACTIVE",
    status: subscription.status.toLowerCase(),
    terms: html`${recurring ? lineItemTerms(recurring) : ""}
      <dt>Usage charges</dt>
      <dd>
        Up to ${formatMoney(item.pendingCappedAmount ?? "0", item.currencyCode)} every 30 days (was
        ${formatMoney(item.cappedAmount ?? "0", item.currencyCode)})
        <p class="terms">${item.terms ?? ""}</p>
      </dd>`,
    approve: () => {
      approveCappedAmount(env, subscription, item);
      return withChargeId(subscription.returnUrl, subscription.id);
    },
    decline: () => declineCappedAmount(env, item),
  };
}

/** The app's charge a confirmation URL names, if its signature is the one handed out. */
function confirmationFor(
  env: BillingEnv,
  app: AppRegistration,
  kind: string,
  chargeId: number,
  signature: string | null,
): Confirmation | null {
  const mine = <T extends { id: number; clientId: string }>(records: T[]) =>
    records.find((record) => record.id === chargeId && record.clientId === app.clientId);
  if (kind === CONFIRMATIONS.subscription) {
    const subscription = mine(env.shop.subscriptions);
    return subscription?.confirmationToken === signature && subscription
      ? subscriptionConfirmation(env, subscription)
      : null;
  }
  if (kind === CONFIRMATIONS.purchase) {
    const purchase = mine(env.shop.oneTimePurchases);
    return purchase?.confirmationToken === signature && purchase
      ? purchaseConfirmation(env, purchase)
      : null;
  }
  if (kind === CONFIRMATIONS.cappedAmount) {
    const subscription = mine(env.shop.subscriptions);
    const item = subscription && usageItem(subscription);
    return item?.pendingCapToken && item.pendingCapToken === signature
      ? cappedAmountConfirmation(env, subscription!, item)
      : null;
  }
  return null;
}

function confirmationPage(
  devStore: DevStore,
  shop: ShopRecord,
  app: AppRegistration,
  confirmation: Confirmation,
  action: string,
) {
  const decision = confirmation.pending
    ? html`<form method="post" action="${action}" class="charge-actions">
        <button type="submit" class="button" name="decision" value="decline">Decline</button>
        <button type="submit" class="button button-primary" name="decision" value="approve">
          Approve
        </button>
      </form>`
    : html`<p class="charge-status">
        This charge is ${confirmation.status}: there is nothing to approve.
      </p>`;
  return adminPage({
    devStore,
    shop,
    title: confirmation.title,
    section: { app: app.handle },
    status: confirmation.pending ? 200 : 409,
    content: html`<div class="page">
      <div class="card charge">
        <h1>${confirmation.title}</h1>
        <p>
          <strong>${app.name}</strong> would like to charge ${shop.name} for
          <strong>${confirmation.chargeName}</strong>.
        </p>
        <dl class="charge-terms">${confirmation.terms}</dl>
        ${confirmation.test ? html`<p class="notice">This is a test charge: the store will not be billed.</p>` : ""}
        ${decision}
      </div>
    </div>`,
  });
}

export const billingRoutes: DevStoreRoute = async (request, url, devStore) => {
  const match = PATH.exec(url.pathname);
  if (!match) return null;
  const [, store, appKey, chargeId, kind] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const shop = devStore.store.shop(`${store}.myshopify.com`);
  const app = findApp(devStore, appKey);
  if (!shop || !app) return new Response("Not Found", { status: 404 });
  const env = billingEnv(devStore.runtime, shop);
  settleBilling(env);
  const confirmation = confirmationFor(
    env,
    app,
    kind,
    Number(chargeId),
    url.searchParams.get("signature"),
  );
  if (!confirmation)
    return notFoundPage(devStore, shop, "This charge does not exist, or its link is not valid.");
  const action = `${url.pathname}${url.search}`;
  if (request.method === "GET") return confirmationPage(devStore, shop, app, confirmation, action);
  if (request.method !== "POST") return new Response("Method Not Allowed", { status: 405 });
  if (!confirmation.pending) return confirmationPage(devStore, shop, app, confirmation, action);
  const decision = new URLSearchParams(await request.text()).get("decision");
  if (decision === "approve")
    return redirect(throughDevStoreAdmin(devStore, confirmation.approve()));
  if (decision === "decline") {
    confirmation.decline();
    return redirect(appBase(shop, app));
  }
  return new Response("decision must be approve or decline", { status: 400 });
};
