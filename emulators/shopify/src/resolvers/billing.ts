/**
 * The Billing API (https://shopify.dev/docs/apps/launch/billing): appSubscriptionCreate,
 * appPurchaseOneTimeCreate, appUsageRecordCreate, appSubscriptionCancel,
 * appSubscriptionLineItemUpdate, and the app's view of its charges through
 * currentAppInstallation. Charges wait for the merchant on the dev store's confirmation pages
 * (billing-pages.ts); their life after that is charges.ts.
 */
import { randomBytes } from "node:crypto";

import {
  checkMoney,
  lineItemFromInput,
  subscriptionErrors,
  type MoneyInput,
  type PlanInput,
  type UserError,
} from "../billing-input.ts";
import { confirmationPath } from "../billing-pages.ts";
import {
  appSubscriptions,
  findLineItem,
  installationView,
  purchaseView,
  subscriptionView,
  usageRecordView,
} from "../billing-views.ts";
import {
  billingEnv,
  notifyIfApproachingCap,
  setSubscriptionStatus,
  settleBilling,
  type BillingEnv,
} from "../charges.ts";
import type { Args, ResolverContext, ResolverModule, RootResolver } from "../context.ts";
import { parseGid } from "../ids.ts";
import { addAmounts, compareAmounts, normalizeAmount } from "../money.ts";
import { runtimeFor } from "../runtime.ts";
import type {
  OneTimePurchaseRecord,
  SubscriptionLineItemRecord,
  SubscriptionRecord,
  UsageRecordRecord,
} from "../state.ts";

/** The smallest one-time charge Shopify accepts. */
const MINIMUM_ONE_TIME_PRICE = "0.5";
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** The billing environment of a request, with the shop's charges brought up to date. */
function settled(context: ResolverContext): BillingEnv {
  const env = billingEnv(runtimeFor(context), context.shop);
  settleBilling(env);
  return env;
}

const signature = () => randomBytes(24).toString("base64url");

function confirmationUrl(
  context: ResolverContext,
  kind: Parameters<typeof confirmationPath>[2],
  chargeId: number,
  token: string,
) {
  const app = runtimeFor(context).app(context.clientId)!;
  return context.publicUrl(confirmationPath(context.shop, app, kind, chargeId, token));
}

const failed = <K extends string>(payloadKey: K, errors: UserError[], extra: object = {}) => ({
  [payloadKey]: null,
  ...extra,
  userErrors: errors,
});

/** What names a charge in the billing log: the idempotency key, else the plan's name, else an id. */
function chargeKey(args: Args): string | null {
  for (const field of ["idempotencyKey", "name", "id"]) {
    if (typeof args[field] === "string") return args[field] as string;
  }
  return null;
}

function chargeIdOf(payload: unknown): string | null {
  if (typeof payload !== "object" || payload === null) return null;
  for (const field of ["appUsageRecord", "appSubscription", "appPurchaseOneTime"]) {
    const charge = (payload as Record<string, { id?: unknown } | null>)[field];
    if (charge && typeof charge.id === "string") return charge.id;
  }
  return null;
}

/** Records each Billing API mutation in the runtime's billing log (GET /_dev/billing). */
function logged(mutations: Record<string, RootResolver>): Record<string, RootResolver> {
  return Object.fromEntries(
    Object.entries(mutations).map(([name, resolve]): [string, RootResolver] => [
      name,
      (args, context) => {
        const payload = resolve(args, context);
        const failedCall = ((payload as { userErrors?: unknown[] }).userErrors ?? []).length > 0;
        runtimeFor(context).billingCalls.push({
          shop: context.shop.domain,
          clientId: context.clientId,
          mutation: name,
          key: chargeKey(args),
          chargeId: failedCall ? null : chargeIdOf(payload),
          at: runtimeFor(context).now().toISOString(),
        });
        return payload;
      },
    ]),
  );
}

export const billingResolvers: ResolverModule = {
  query: {
    currentAppInstallation: (_args, context) => {
      settled(context);
      return installationView(context);
    },
    appInstallation: ({ id }, context) => {
      settled(context);
      const installation = installationView(context);
      return id === undefined || id === null || id === installation.id ? installation : null;
    },
  },
  mutation: logged({
    appSubscriptionCreate: (args, context) => {
      settled(context);
      const errors: UserError[] = [];
      const items = (args.lineItems as Array<{ plan: PlanInput }>)
        .map((lineItem, index) => lineItemFromInput(context, lineItem.plan, index, errors))
        .filter((item): item is SubscriptionLineItemRecord => item !== null);
      errors.push(...subscriptionErrors(args, items));
      if (errors.length > 0) {
        return failed("appSubscription", errors, { confirmationUrl: null });
      }
      const now = runtimeFor(context).now().toISOString();
      const subscription: SubscriptionRecord = {
        id: context.store.nextId(),
        clientId: context.clientId,
        name: args.name,
        status: "PENDING",
        test: Boolean(args.test),
        trialDays: args.trialDays ?? 0,
        returnUrl: args.returnUrl,
        lineItems: items,
        createdAt: now,
        updatedAt: now,
        currentPeriodEnd: null,
        replacementBehavior: args.replacementBehavior ?? "STANDARD",
        confirmationToken: signature(),
        activatedAt: null,
        approvedAt: null,
        replacesId: null,
      };
      context.shop.subscriptions.push(subscription);
      context.store.changed();
      return {
        appSubscription: subscriptionView(context, subscription),
        confirmationUrl: confirmationUrl(
          context,
          "subscription",
          subscription.id,
          subscription.confirmationToken!,
        ),
        userErrors: [],
      };
    },

    appPurchaseOneTimeCreate: ({ name, price, returnUrl, test }, context) => {
      settled(context);
      const errors: UserError[] = [];
      if (!String(name ?? "").trim())
        errors.push({ field: ["name"], message: "Name can't be blank" });
      const checked = checkMoney(context, price as MoneyInput, ["price"], "Price");
      errors.push(...checked.errors);
      if (checked.amount !== null && compareAmounts(checked.amount, MINIMUM_ONE_TIME_PRICE) < 0) {
        errors.push({
          field: ["price"],
          message: `Price must be at least 0.50 ${(price as MoneyInput).currencyCode}.`,
        });
      }
      if (errors.length > 0) return failed("appPurchaseOneTime", errors, { confirmationUrl: null });
      const now = runtimeFor(context).now().toISOString();
      const purchase: OneTimePurchaseRecord = {
        id: context.store.nextId(),
        clientId: context.clientId,
        name,
        price: checked.amount!,
        currencyCode: (price as MoneyInput).currencyCode,
        status: "PENDING",
        test: Boolean(test),
        returnUrl,
        createdAt: now,
        updatedAt: now,
        confirmationToken: signature(),
      };
      context.shop.oneTimePurchases.push(purchase);
      context.store.changed();
      return {
        appPurchaseOneTime: purchaseView(purchase),
        confirmationUrl: confirmationUrl(
          context,
          "purchase",
          purchase.id,
          purchase.confirmationToken!,
        ),
        userErrors: [],
      };
    },

    appUsageRecordCreate: (
      { subscriptionLineItemId, price, description, idempotencyKey },
      context,
    ) => {
      const env = settled(context);
      const key = (idempotencyKey as string | null | undefined) ?? null;
      if (key !== null && key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
        return failed("appUsageRecord", [
          {
            field: ["idempotencyKey"],
            message: `Idempotency key must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
          },
        ]);
      }
      const found = findLineItem(context, subscriptionLineItemId);
      if (!found) {
        return failed("appUsageRecord", [
          { field: ["subscriptionLineItemId"], message: "Subscription line item not found" },
        ]);
      }
      // A repeated idempotency key answers with the charge it already made, and charges nothing.
      const repeated =
        key === null
          ? undefined
          : context.shop.usageRecords.find(
              (record) =>
                record.clientId === context.clientId &&
                record.lineItemId === found.item.id &&
                record.idempotencyKey === key,
            );
      if (repeated) return { appUsageRecord: usageRecordView(context, repeated), userErrors: [] };

      const { subscription, item } = found;
      const errors: UserError[] = [];
      if (item.kind !== "usage") {
        errors.push({
          field: ["subscriptionLineItemId"],
          message: "Subscription line item must have a usage pricing plan",
        });
      } else if (subscription.status !== "ACTIVE") {
        errors.push({ field: ["subscriptionLineItemId"], message: "Subscription is not active" });
      }
      if (!String(description ?? "").trim()) {
        errors.push({ field: ["description"], message: "Description can't be blank" });
      }
      const amount = normalizeAmount((price as MoneyInput).amount);
      if (amount === null || compareAmounts(amount, "0") <= 0) {
        errors.push({ field: ["price"], message: "Price must be greater than 0" });
      }
      if (errors.length > 0) return failed("appUsageRecord", errors);
      const balance = addAmounts(item.balanceUsed, amount!);
      if (
        (price as MoneyInput).currencyCode !== item.currencyCode ||
        compareAmounts(balance, item.cappedAmount ?? "0") > 0
      ) {
        return failed("appUsageRecord", [
          { field: [], message: "Total price exceeds balance remaining" },
        ]);
      }
      const before = item.balanceUsed;
      item.balanceUsed = balance;
      notifyIfApproachingCap(env, subscription, item, before);
      const record: UsageRecordRecord = {
        id: context.store.nextId(),
        clientId: context.clientId,
        lineItemId: item.id,
        description,
        price: amount!,
        currencyCode: item.currencyCode,
        idempotencyKey: key,
        createdAt: runtimeFor(context).now().toISOString(),
      };
      context.shop.usageRecords.push(record);
      context.store.changed();
      return { appUsageRecord: usageRecordView(context, record), userErrors: [] };
    },

    appSubscriptionCancel: ({ id }, context) => {
      const env = settled(context);
      const parsed = parseGid(id, "AppSubscription");
      const subscription = appSubscriptions(context).find(
        (candidate) => candidate.id === parsed?.id,
      );
      if (!subscription) {
        return failed("appSubscription", [{ field: ["id"], message: "Subscription not found" }]);
      }
      // Only a running subscription can be cancelled; Shopify names the state machine's refusal.
      if (subscription.status !== "ACTIVE" && subscription.status !== "FROZEN") {
        return failed("appSubscription", [
          {
            field: ["id"],
            message: `Cannot transition status via :cancel from :${subscription.status.toLowerCase()}`,
          },
        ]);
      }
      // `prorate` credits the unused part of the period; the dev store keeps no invoices to credit.
      setSubscriptionStatus(env, subscription, "CANCELLED");
      return { appSubscription: subscriptionView(context, subscription), userErrors: [] };
    },

    appSubscriptionLineItemUpdate: ({ id, cappedAmount }, context) => {
      settled(context);
      const found = findLineItem(context, id);
      const field = ["cappedAmount"];
      if (!found) {
        return failed(
          "appSubscription",
          [{ field: ["id"], message: "Subscription line item not found" }],
          {
            confirmationUrl: null,
          },
        );
      }
      const { subscription, item } = found;
      const requested = cappedAmount as MoneyInput;
      const amount = normalizeAmount(requested.amount);
      let error: string | null = null;
      if (item.kind !== "usage")
        error = "Only usage-pricing line items support cappedAmount updates";
      else if (requested.currencyCode !== item.currencyCode)
        error = `Capped amount currency mismatch. Expected ${item.currencyCode}`;
      else if (amount === null || compareAmounts(amount, item.cappedAmount ?? "0") <= 0)
        error = "The capped amount must be greater than the existing capped amount";
      else if (subscription.status !== "ACTIVE") error = "Subscription is not active";
      if (error)
        return failed("appSubscription", [{ field, message: error }], { confirmationUrl: null });

      // The new cap applies once the merchant approves it on the confirmation page.
      item.pendingCappedAmount = amount;
      item.pendingCapToken = signature();
      context.store.changed();
      return {
        appSubscription: subscriptionView(context, subscription),
        confirmationUrl: confirmationUrl(
          context,
          "cappedAmount",
          subscription.id,
          item.pendingCapToken,
        ),
        userErrors: [],
      };
    },
  }),
};
