import {
  API_KEY,
  API_SECRET_KEY,
  TEST_SHOP,
  TEST_SHOP_NAME,
} from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import db from "~/db.server";
import { action as appScopesUpdate } from "~/routes/webhooks.app.scopes_update";
import { action as appUninstalled } from "~/routes/webhooks.app.uninstalled";
import { action as customersDataRequest } from "~/routes/webhooks.customers.data_request";
import { action as customersRedact } from "~/routes/webhooks.customers.redact";
import { action as shopRedact } from "~/routes/webhooks.shop.redact";
import { unauthenticated } from "~/shopify.server";

import { appFromToml, type AppRegistration } from "../../emulators/shopify/src/apps";
import { mintSessionToken } from "../../emulators/shopify/src/auth";
import { serveWebhookRoutes, startTestDevStore, openAppAsMerchant } from "../support/dev-store";

const ADMIN_API = `https://${TEST_SHOP}/admin/api/2026-10/graphql.json`;

let routes: Awaited<ReturnType<typeof serveWebhookRoutes>>;
let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let other: AppRegistration;

beforeAll(async () => {
  // The app's real webhook routes, served over HTTP where its shopify.app.toml points Shopify.
  routes = await serveWebhookRoutes({
    "/webhooks/app/uninstalled": appUninstalled,
    "/webhooks/app/scopes_update": appScopesUpdate,
    "/webhooks/customers/data_request": customersDataRequest,
    "/webhooks/customers/redact": customersRedact,
    "/webhooks/shop/redact": shopRedact,
  });
  const photoStudio = appFromToml("shopify.app.toml", {
    clientId: API_KEY,
    clientSecret: API_SECRET_KEY,
    appUrl: routes.url,
  });
  // Another app whose configuration sends its webhooks to Photo Studio's address: whatever it
  // receives is signed with the other app's secret.
  other = {
    ...photoStudio,
    clientId: "other-app-client-id",
    clientSecret: "other-app-secret-not-photo-studios",
    name: "Other App",
    handle: "other-app",
  };
  harness = await startTestDevStore({ apps: [photoStudio, other], products: 2 });
  await harness.addShop(TEST_SHOP);
  await install();
});

afterAll(async () => {
  await harness.close();
  await routes.close();
});

/** Opens the app in admin: token exchange installs it and stores the offline session. */
async function install() {
  const response = await openAppAsMerchant();
  expect(response.status).toBe(200);
}

async function installOtherApp() {
  const response = await fetch(`https://${TEST_SHOP}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_id: other.clientId,
      client_secret: other.clientSecret,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: mintSessionToken(other, TEST_SHOP),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
    }),
  });
  expect(response.status).toBe(200);
}

/** A call to the dev store's control API, as the demo and a developer's curl make it. */
async function control(path: string, body?: unknown) {
  const response = await fetch(`${harness.devStore.url}/_dev${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function deliveries(topic: string) {
  await harness.devStore.webhooks.idle();
  const { body } = await control(`/webhooks?topic=${encodeURIComponent(topic)}`);
  return body.deliveries as Array<{ clientId: string; status: number; payload: unknown }>;
}

const storedToken = async () =>
  (await db.session.findUniqueOrThrow({ where: { id: `offline_${TEST_SHOP}` } })).accessToken;

const adminApiStatus = async (token: string) =>
  (
    await fetch(ADMIN_API, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
      body: JSON.stringify({ query: "{ shop { name } }" }),
    })
  ).status;

describe("privacy requests", () => {
  it.each([
    ["customers/data_request", { ordersRequested: [1001, 1002] }],
    ["customers/redact", { ordersToRedact: [1001] }],
  ])(
    "%s reaches the app's route in Shopify's shape and is acknowledged",
    async (topic, options) => {
      const { status, body } = await control(`/shops/${TEST_SHOP_NAME}/compliance/${topic}`, {
        clientId: API_KEY,
        customer: { id: 191167, email: "john@example.com", phone: "555-625-1199" },
        ...options,
      });
      expect(status).toBe(200);
      expect(body.clientIds).toEqual([API_KEY]);

      const [delivery] = await deliveries(topic);
      expect(delivery).toMatchObject({ clientId: API_KEY, status: 200 });
      expect(delivery!.payload).toMatchObject({
        shop_id: expect.any(Number),
        shop_domain: TEST_SHOP,
        customer: { id: 191167, email: "john@example.com", phone: "555-625-1199" },
        ...(topic === "customers/redact"
          ? { orders_to_redact: [1001] }
          : { orders_requested: [1001, 1002], data_request: { id: expect.any(Number) } }),
      });
    },
  );
});

describe("scope changes", () => {
  it("app/scopes_update reaches the app, which stores the new scopes on its session", async () => {
    const scopes = ["write_products", "write_files", "read_themes"];
    const { status } = await control(`/shops/${TEST_SHOP}/scopes`, { scopes });
    expect(status).toBe(200);
    const [delivery] = await deliveries("app/scopes_update");
    expect(delivery).toMatchObject({
      status: 200,
      payload: { previous: ["write_products", "write_files"], current: scopes },
    });
    const session = await db.session.findUniqueOrThrow({ where: { id: `offline_${TEST_SHOP}` } });
    expect(session.scope).toBe(scopes.join(","));

    harness.devStore.updateScopes(TEST_SHOP, API_KEY, ["write_products", "write_files"]);
    await harness.devStore.webhooks.idle();
  });
});

describe("uninstalling", () => {
  it("the app refuses (401) a webhook signed with another app's secret, and keeps its sessions", async () => {
    await installOtherApp();
    const { status } = await control(`/shops/${TEST_SHOP}/uninstall`, { clientId: other.clientId });
    expect(status).toBe(200);

    // Only the app that was uninstalled is told, at its own address: here, Photo Studio's route.
    const sent = await deliveries("app/uninstalled");
    expect(sent).toEqual([expect.objectContaining({ clientId: other.clientId, status: 401 })]);
    expect(await db.session.count({ where: { shop: TEST_SHOP } })).toBe(1);
    expect(await adminApiStatus(await storedToken())).toBe(200);
  });

  it("sends app/uninstalled to the app's route, which deletes its sessions; the old token gets 401", async () => {
    const token = await storedToken();
    const { status, body } = await control(`/shops/${TEST_SHOP}/uninstall`, {
      clientId: API_KEY,
    });
    expect(status).toBe(200);
    expect(Date.parse(body.shopRedactDueAt) - Date.parse(body.uninstalledAt)).toBe(48 * 3600_000);

    const sent = await deliveries("app/uninstalled");
    expect(sent.at(-1)).toMatchObject({
      clientId: API_KEY,
      status: 200,
      payload: { domain: TEST_SHOP, myshopify_domain: TEST_SHOP },
    });
    expect(await db.session.count({ where: { shop: TEST_SHOP } })).toBe(0);
    expect(
      (await db.shop.findUniqueOrThrow({ where: { shop: TEST_SHOP } })).uninstalledAt,
    ).toBeInstanceOf(Date);

    expect(await adminApiStatus(token)).toBe(401);
    await expect(unauthenticated.admin(TEST_SHOP)).rejects.toThrow();
    expect((await control(`/shops/${TEST_SHOP}/uninstall`, { clientId: API_KEY })).status).toBe(
      409,
    );
  });

  it("sends shop/redact only 48 hours later, and the app's route erases the shop", async () => {
    await control("/clock/advance", { hours: 47 });
    expect(await deliveries("shop/redact")).toEqual([]);
    expect(await db.shop.count({ where: { shop: TEST_SHOP } })).toBe(1);

    const { body } = await control("/clock/advance", { hours: 1 });
    expect(body.sent.map((event: { clientId: string }) => event.clientId).sort()).toEqual(
      [API_KEY, other.clientId].sort(),
    );
    const sent = await deliveries("shop/redact");
    expect(sent.find((delivery) => delivery.clientId === API_KEY)).toMatchObject({
      status: 200,
      payload: { shop_id: expect.any(Number), shop_domain: TEST_SHOP },
    });
    // The other app's copy is signed with its own secret: Photo Studio's route turns it away.
    expect(sent.find((delivery) => delivery.clientId === other.clientId)).toMatchObject({
      status: 401,
    });
    expect(await db.shop.count({ where: { shop: TEST_SHOP } })).toBe(0);
  });

  it("a reinstall within 48 hours means no shop/redact for that uninstall", async () => {
    await install();
    harness.devStore.uninstallApp(TEST_SHOP, API_KEY);
    await harness.devStore.webhooks.idle();
    await install();
    harness.devStore.advanceClock(49);

    const sent = await deliveries("shop/redact");
    expect(sent.filter((delivery) => delivery.clientId === API_KEY)).toHaveLength(1);
    expect(await db.shop.count({ where: { shop: TEST_SHOP } })).toBe(1);
    expect(await adminApiStatus(await storedToken())).toBe(200);
  });
});

describe("the control API", () => {
  it("lists its endpoints and says what is wrong with a request", async () => {
    expect((await control("")).body.endpoints).toHaveProperty(["POST /_dev/clock/advance"]);
    expect(await control("/clock/advance", { hours: -1 })).toEqual({
      status: 400,
      body: { error: "hours must be a positive number" },
    });
    expect((await control("/shops/no-such-shop/uninstall", {})).status).toBe(404);
    const plainForm = await fetch(`${harness.devStore.url}/_dev/clock/advance`, {
      method: "POST",
      body: new URLSearchParams({ hours: "1" }),
    });
    expect(plainForm.status).toBe(415);
  });
});
