import {
  BillingError,
  BillingInterval,
  LogSeverity,
  shopifyApi,
  type Session,
} from "@shopify/shopify-api";
import {
  API_KEY,
  API_SECRET_KEY,
  APP_URL,
  TEST_SHOP,
  TEST_SHOP_NAME,
  getJwt,
} from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import db from "~/db.server";
import { ADMIN_API_VERSION } from "~/shopify/api-version";
import { authenticate, unauthenticated } from "~/shopify.server";

import {
  decideOnConfirmationPage,
  openAppAsMerchant,
  serveWebhookRoutes,
  startTestDevStore,
} from "../support/dev-store";

const PRO = "Photo Studio Pro";
const STUDIO = "Photo Studio Studio";
const CREDITS = "100 credits";

/** shopify-api's billing with plans of the kind Photo Studio sells, over the app's session. */
const api = shopifyApi({
  apiKey: API_KEY,
  apiSecretKey: API_SECRET_KEY,
  hostName: new URL(APP_URL).host,
  hostScheme: "https",
  apiVersion: ADMIN_API_VERSION,
  isEmbeddedApp: true,
  logger: { level: LogSeverity.Error },
  billing: {
    [PRO]: {
      trialDays: 7,
      lineItems: [
        { interval: BillingInterval.Every30Days, amount: 12, currencyCode: "USD" },
        {
          interval: BillingInterval.Usage,
          amount: 30,
          currencyCode: "USD",
          terms: "$0.10 per generated photo",
        },
      ],
    },
    [STUDIO]: {
      lineItems: [{ interval: BillingInterval.Every30Days, amount: 29, currencyCode: "USD" }],
    },
    [CREDITS]: { interval: BillingInterval.OneTime, amount: 5, currencyCode: "USD" },
  },
});

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let hooks: Awaited<ReturnType<typeof serveWebhookRoutes>>;
let session: Session;
const updates: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  hooks = await serveWebhookRoutes({
    "/webhooks/app_subscriptions/update": async ({ request }) => {
      const { payload } = await authenticate.webhook(request);
      updates.push((payload as { app_subscription: Record<string, unknown> }).app_subscription);
      return new Response();
    },
  });
  harness = await startTestDevStore({ products: 2, appUrl: hooks.url });
  harness.app.webhooks.push({
    topics: ["app_subscriptions/update"],
    uri: "/webhooks/app_subscriptions/update",
    compliance: false,
  });
  await harness.addShop(TEST_SHOP);
  await db.session.deleteMany();
  expect((await openAppAsMerchant()).status).toBe(200);
  session = (await unauthenticated.admin(TEST_SHOP)).session;
});

afterAll(async () => {
  await harness.close();
  await hooks.close();
});

/** The app's own billing helpers, for a request from the embedded app. */
async function appBilling() {
  const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY);
  const request = new Request(`${APP_URL}/app`, { headers: { Authorization: `Bearer ${token}` } });
  return (await authenticate.admin(request)).billing;
}

async function graphql(query: string, variables: Record<string, unknown> = {}) {
  const { admin } = await unauthenticated.admin(TEST_SHOP);
  return (await (await admin.graphql(query, { variables })).json()).data;
}

/** The merchant opens the confirmation page and clicks a button; where the browser goes next. */
const decide = decideOnConfirmationPage;

async function installation() {
  return (
    await graphql(`
      #graphql
      query PhotoStudioTestInstallation {
        currentAppInstallation {
          activeSubscriptions {
            id
            name
            status
            test
            trialDays
            currentPeriodEnd
            lineItems {
              id
              plan {
                pricingDetails {
                  __typename
                  ... on AppRecurringPricing {
                    price {
                      amount
                      currencyCode
                    }
                    interval
                  }
                  ... on AppUsagePricing {
                    cappedAmount {
                      amount
                      currencyCode
                    }
                    balanceUsed {
                      amount
                      currencyCode
                    }
                    terms
                  }
                }
              }
            }
          }
          allSubscriptions(first: 10) {
            nodes {
              id
              name
              status
            }
          }
          oneTimePurchases(first: 10) {
            nodes {
              id
              name
              status
              test
              price {
                amount
                currencyCode
              }
            }
          }
        }
      }
    `)
  ).currentAppInstallation;
}

const numericId = (gid: string) => gid.split("/").at(-1)!;

/** shopify-api's billing.request; with returnObject it answers the mutation's payload. */
async function requestCharge(plan: string) {
  const payload = (await api.billing.request({
    session,
    plan,
    isTest: true,
    returnObject: true,
  })) as unknown as {
    confirmationUrl: string;
    appSubscription?: { id: string; name: string; status: string; test: boolean };
    appPurchaseOneTime?: { id: string; name: string; test: boolean };
  };
  return {
    confirmationUrl: payload.confirmationUrl,
    charge: (payload.appSubscription ?? payload.appPurchaseOneTime)!,
  };
}

/** The app's billing.check, keeping the charges of one plan. */
async function appCheck(plan: string, isTest = true) {
  const payments = await (await appBilling()).check({ isTest });
  return {
    subscriptions: payments.appSubscriptions.filter((charge) => charge.name === plan),
    purchases: payments.oneTimePurchases.filter((charge) => charge.name === plan),
  };
}

describe("subscriptions", () => {
  it("wait PENDING for the merchant, who approves on the confirmation page; then ACTIVE for billing.check", async () => {
    const billing = await appBilling();
    expect((await billing.check({ isTest: true })).hasActivePayment).toBe(false);

    const { confirmationUrl, charge: appSubscription } = await requestCharge(PRO);
    expect(appSubscription).toMatchObject({ name: PRO, status: "PENDING", test: true });

    const { html, location } = await decide(confirmationUrl, "approve");
    expect(html).toContain(PRO);
    expect(html).toContain("$12.00 every 30 days");
    expect(html).toContain("Up to $30.00 every 30 days");
    expect(html).toContain("$0.10 per generated photo");
    expect(html).toContain("7 days");
    expect(html).toContain("test charge");
    // Back to the app inside admin (shopify-api's default return URL, admin.shopify.com's path),
    // which is the dev store's admin shell here, with the charge's id.
    const returned = new URL(location);
    expect(`${returned.origin}${returned.pathname}`).toBe(
      `${harness.devStore.publicOrigin}/store/${TEST_SHOP_NAME}/apps/${API_KEY}`,
    );
    expect(returned.searchParams.get("charge_id")).toBe(numericId(appSubscription.id));

    expect((await billing.check({ isTest: true })).hasActivePayment).toBe(true);
    expect((await appCheck(PRO)).subscriptions).toEqual([
      expect.objectContaining({ id: appSubscription.id, name: PRO, status: "ACTIVE", test: true }),
    ]);
    // Real charges only: a test subscription does not count.
    expect((await billing.check({ isTest: false })).hasActivePayment).toBe(false);

    const [active] = (await installation()).activeSubscriptions;
    expect(active).toMatchObject({ name: PRO, status: "ACTIVE", trialDays: 7 });
    const periodEnd = Date.parse(active.currentPeriodEnd) - harness.devStore.now().getTime();
    expect(periodEnd / 86_400_000).toBeCloseTo(37, 0);
    expect(active.lineItems.map((item: { plan: unknown }) => item.plan)).toEqual([
      {
        pricingDetails: {
          __typename: "AppRecurringPricing",
          price: { amount: "12.0", currencyCode: "USD" },
          interval: "EVERY_30_DAYS",
        },
      },
      {
        pricingDetails: {
          __typename: "AppUsagePricing",
          cappedAmount: { amount: "30.0", currencyCode: "USD" },
          balanceUsed: { amount: "0.0", currencyCode: "USD" },
          terms: "$0.10 per generated photo",
        },
      },
    ]);
  });

  it("tell the app about each status change with app_subscriptions/update", async () => {
    await harness.devStore.webhooks.idle();
    expect(updates.at(-1)).toEqual({
      admin_graphql_api_id: expect.stringMatching(/^gid:\/\/shopify\/AppSubscription\/\d+$/),
      name: PRO,
      status: "ACTIVE",
      admin_graphql_api_shop_id: expect.stringMatching(/^gid:\/\/shopify\/Shop\/\d+$/),
      created_at: expect.any(String),
      updated_at: expect.any(String),
      currency: "USD",
      capped_amount: "30.0",
    });
  });

  it("a declined one is DECLINED, the merchant goes back to the app, and the page cannot be used again", async () => {
    const { confirmationUrl, charge: appSubscription } = await requestCharge(STUDIO);
    const { location } = await decide(confirmationUrl, "decline");
    expect(location).toBe(`/store/${TEST_SHOP_NAME}/apps/${harness.app.handle}`);

    const { allSubscriptions, activeSubscriptions } = await installation();
    expect(allSubscriptions.nodes).toContainEqual({
      id: appSubscription.id,
      name: STUDIO,
      status: "DECLINED",
    });
    expect(activeSubscriptions.map((active: { name: string }) => active.name)).toEqual([PRO]);
    expect((await appCheck(STUDIO)).subscriptions).toEqual([]);

    const again = await fetch(confirmationUrl);
    expect(again.status).toBe(409);
    expect(await again.text()).not.toContain('name="decision"');
  });

  it("a confirmation link with a wrong signature approves nothing", async () => {
    const { confirmationUrl } = await requestCharge(STUDIO);
    const forged = new URL(confirmationUrl);
    forged.searchParams.set("signature", "forged");
    const response = await fetch(forged, {
      method: "POST",
      body: new URLSearchParams({ decision: "approve" }),
      redirect: "manual",
    });
    expect(response.status).toBe(404);
  });
});

describe("usage charges", () => {
  const charge = (amount: number) =>
    api.billing.createUsageRecord({
      session,
      description: "Background removal",
      price: { amount, currencyCode: "USD" },
      isTest: true,
    });
  const balance = async () =>
    (await installation()).activeSubscriptions[0].lineItems[1].plan.pricingDetails;

  it("add up to the capped amount; an idempotency key charges once however often it is sent", async () => {
    // shopify-api's createUsageRecord accepts an idempotencyKey but its mutation never sends it
    // (to Shopify either), so the key goes through the Admin API directly.
    const usageItem = (await installation()).activeSubscriptions[0].lineItems[1];
    const chargeOnce = async () =>
      (
        await graphql(
          `
            #graphql
            mutation PhotoStudioTestUsage($id: ID!, $key: String) {
              appUsageRecordCreate(
                subscriptionLineItemId: $id
                price: { amount: "10.00", currencyCode: USD }
                description: "Scene generation"
                idempotencyKey: $key
              ) {
                appUsageRecord {
                  id
                  idempotencyKey
                  price {
                    amount
                    currencyCode
                  }
                }
                userErrors {
                  field
                  message
                }
              }
            }
          `,
          { id: usageItem.id, key: "photo-1" },
        )
      ).appUsageRecordCreate;
    const first = await chargeOnce();
    expect(first).toEqual({
      appUsageRecord: {
        id: expect.stringMatching(/^gid:\/\/shopify\/AppUsageRecord\/\d+$/),
        idempotencyKey: "photo-1",
        price: { amount: "10.0", currencyCode: "USD" },
      },
      userErrors: [],
    });
    expect(await chargeOnce()).toEqual(first);
    expect((await balance()).balanceUsed.amount).toBe("10.0");

    await charge(20);
    expect((await balance()).balanceUsed.amount).toBe("30.0");
  });

  it("are refused beyond the capped amount with Shopify's userError", async () => {
    const refused = await charge(0.01).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BillingError);
    expect((refused as BillingError).errorData).toEqual([
      { field: [], message: "Total price exceeds balance remaining" },
    ]);
    expect((await balance()).balanceUsed.amount).toBe("30.0");
  });

  it("can go further once the merchant approves a higher capped amount", async () => {
    const usageItem = (await installation()).activeSubscriptions[0].lineItems[1];
    const { confirmationUrl } = await api.billing.updateUsageCappedAmount({
      session,
      subscriptionLineItemId: usageItem.id,
      cappedAmount: { amount: 50, currencyCode: "USD" },
    });
    // Not before the merchant says yes.
    expect((await balance()).cappedAmount.amount).toBe("30.0");
    await expect(charge(5)).rejects.toBeInstanceOf(BillingError);

    const { html } = await decide(confirmationUrl, "approve");
    expect(html).toContain("Up to $50.00 every 30 days");
    expect((await balance()).cappedAmount.amount).toBe("50.0");
    await charge(5);
    expect((await balance()).balanceUsed.amount).toBe("35.0");
  });

  it("refuse a lower capped amount and one for a recurring line item", async () => {
    const [recurring, usage] = (await installation()).activeSubscriptions[0].lineItems;
    const update = (id: string, amount: number) =>
      graphql(
        `
          #graphql
          mutation PhotoStudioTestCap($id: ID!, $amount: Decimal!) {
            appSubscriptionLineItemUpdate(
              id: $id
              cappedAmount: { amount: $amount, currencyCode: USD }
            ) {
              confirmationUrl
              userErrors {
                field
                message
              }
            }
          }
        `,
        { id, amount },
      );
    expect((await update(usage.id, 40)).appSubscriptionLineItemUpdate).toEqual({
      confirmationUrl: null,
      userErrors: [
        {
          field: ["cappedAmount"],
          message: "The capped amount must be greater than the existing capped amount",
        },
      ],
    });
    expect((await update(recurring.id, 100)).appSubscriptionLineItemUpdate.userErrors).toEqual([
      {
        field: ["cappedAmount"],
        message: "Only usage-pricing line items support cappedAmount updates",
      },
    ]);
  });
});

describe("replacing and cancelling", () => {
  it("approving another plan cancels the current subscription, so one stays active", async () => {
    const [current] = (await installation()).activeSubscriptions;
    const { confirmationUrl, charge: appSubscription } = await requestCharge(STUDIO);
    await decide(confirmationUrl, "approve");
    const { activeSubscriptions, allSubscriptions } = await installation();
    expect(activeSubscriptions.map((active: { id: string }) => active.id)).toEqual([
      appSubscription.id,
    ]);
    expect(allSubscriptions.nodes).toContainEqual({
      id: current.id,
      name: PRO,
      status: "CANCELLED",
    });
  });

  it("cancelling ends the subscription; cancelling it again is refused with Shopify's message", async () => {
    // The previous test's replacement sent webhooks for both subscriptions (the new one's ACTIVE
    // among them): all delivered first, so the last word on this one is this test's.
    await harness.devStore.webhooks.idle();
    const [current] = (await installation()).activeSubscriptions;
    const cancelled = await api.billing.cancel({
      session,
      subscriptionId: current.id,
      prorate: true,
    });
    expect(cancelled).toMatchObject({ id: current.id, status: "CANCELLED" });
    expect((await installation()).activeSubscriptions).toEqual([]);

    const again = await api.billing
      .cancel({ session, subscriptionId: current.id })
      .catch((error: unknown) => error);
    expect((again as BillingError).errorData).toEqual([
      { field: ["id"], message: "Cannot transition status via :cancel from :cancelled" },
    ]);
    await harness.devStore.webhooks.idle();
    // Webhooks are delivered concurrently: look for this subscription's own.
    expect(
      updates.filter((update) => update.admin_graphql_api_id === current.id).at(-1),
    ).toMatchObject({ status: "CANCELLED" });
  });
});

describe("one-time purchases", () => {
  it("become ACTIVE once approved on their own page, and count for billing.check", async () => {
    const { confirmationUrl, charge: appPurchaseOneTime } = await requestCharge(CREDITS);
    const { html, location } = await decide(confirmationUrl, "approve");
    expect(html).toContain("$5.00");
    expect(new URL(location).searchParams.get("charge_id")).toBe(numericId(appPurchaseOneTime.id));

    expect((await appCheck(CREDITS)).purchases).toEqual([
      { id: appPurchaseOneTime.id, name: CREDITS, test: true, status: "ACTIVE" },
    ]);
  });

  it.each([
    [{ amount: "0.10", currencyCode: "USD" }, "Credits", "Price must be at least 0.50 USD."],
    [
      { amount: "5.00", currencyCode: "EUR" },
      "Credits",
      "Price currency must match shop billing currency USD.",
    ],
    [{ amount: "5.00", currencyCode: "USD" }, "  ", "Name can't be blank"],
  ])("refuse a price of %o named %o: %s", async (price, name, message) => {
    const data = await graphql(
      `
        #graphql
        mutation PhotoStudioTestPurchase($name: String!, $price: MoneyInput!) {
          appPurchaseOneTimeCreate(
            name: $name
            price: $price
            returnUrl: "https://example.com/done"
            test: true
          ) {
            appPurchaseOneTime {
              id
            }
            confirmationUrl
            userErrors {
              field
              message
            }
          }
        }
      `,
      { name, price },
    );
    expect(data.appPurchaseOneTimeCreate).toEqual({
      appPurchaseOneTime: null,
      confirmationUrl: null,
      userErrors: [{ field: name.trim() ? ["price"] : ["name"], message }],
    });
  });
});

describe("the dev store's clock", () => {
  it("expires a charge the merchant leaves pending for two days", async () => {
    const { confirmationUrl, charge: appSubscription } = await requestCharge(PRO);
    harness.devStore.advanceClock(49);
    const { allSubscriptions } = await installation();
    expect(allSubscriptions.nodes).toContainEqual({
      id: appSubscription.id,
      name: PRO,
      status: "EXPIRED",
    });
    expect((await fetch(confirmationUrl)).status).toBe(409);
    await harness.devStore.webhooks.idle();
    // Charges earlier tests left pending expire on the same tick, and their
    // webhooks may be delivered in any order, so look for this charge's own.
    expect(
      updates.filter((update) => update.admin_graphql_api_id === appSubscription.id).at(-1),
    ).toMatchObject({ status: "EXPIRED" });
  });
});
