import type { ActionFunctionArgs } from "@remix-run/node";
import { beforeEach, describe, expect, it } from "vitest";

import db from "~/db.server";
import { recordInstallation } from "~/models/shop.server";
import { action as appScopesUpdate } from "~/routes/webhooks.app.scopes_update";
import { action as appUninstalled } from "~/routes/webhooks.app.uninstalled";
import { action as customersDataRequest } from "~/routes/webhooks.customers.data_request";
import { action as customersRedact } from "~/routes/webhooks.customers.redact";
import { action as products } from "~/routes/webhooks.products";
import { action as shopRedact } from "~/routes/webhooks.shop.redact";

import { installShops } from "../review/requests";
import { callRoute, webhookRequest } from "../support/shopify-requests";

const SHOP = "webhook-signatures.myshopify.com";

/** Every Shopify topic the app subscribes to (shopify.app.toml), with a payload of its shape. */
const topics: Array<[string, (args: ActionFunctionArgs) => unknown, unknown]> = [
  ["app/uninstalled", appUninstalled, { id: 1, domain: SHOP }],
  [
    "app/scopes_update",
    appScopesUpdate,
    { id: 1, previous: ["write_products"], current: ["write_products", "write_files"] },
  ],
  [
    "customers/data_request",
    customersDataRequest,
    { shop_domain: SHOP, customer: { id: 7 }, orders_requested: [1] },
  ],
  ["customers/redact", customersRedact, { shop_domain: SHOP, customer: { id: 7 } }],
  ["shop/redact", shopRedact, { shop_id: 1, shop_domain: SHOP }],
  ...(["products/create", "products/update"] as const).map(
    (topic) =>
      [
        topic,
        products,
        {
          id: 1001,
          admin_graphql_api_id: "gid://shopify/Product/1001",
          title: "Canvas Tote",
          updated_at: "2026-12-01T10:00:00-05:00",
          images: [],
          media: [],
        },
      ] as [string, (args: ActionFunctionArgs) => unknown, unknown],
  ),
];

beforeEach(async () => {
  await recordInstallation(db, SHOP, "write_products,write_files");
  await installShops(SHOP);
});

async function shopRowsLeft() {
  return (
    (await db.shop.count({ where: { shop: SHOP } })) +
    (await db.session.count({ where: { shop: SHOP } }))
  );
}

describe.each(topics)("the %s webhook", (topic, handler, payload) => {
  it("is acknowledged with 200 when validly signed, and again when Shopify repeats it", async () => {
    const first = webhookRequest(topic, SHOP, payload);
    const repeat = new Request(first.url, {
      method: "POST",
      headers: first.headers,
      body: await first.clone().text(),
    });
    expect((await callRoute(handler, first)).status).toBe(200);
    expect((await callRoute(handler, repeat)).status).toBe(200);
  });

  it("is refused with 401, changing nothing, when signed with another secret", async () => {
    const forged = webhookRequest(topic, SHOP, payload, { secret: "not-this-apps-secret-0123" });
    expect((await callRoute(handler, forged)).status).toBe(401);
    expect(await shopRowsLeft()).toBe(2);
  });

  it("is refused with 400, changing nothing, when it carries no signature at all", async () => {
    const signed = webhookRequest(topic, SHOP, payload);
    const headers = new Headers(signed.headers);
    headers.delete("X-Shopify-Hmac-Sha256");
    const unsigned = new Request(signed.url, {
      method: "POST",
      headers,
      body: await signed.text(),
    });
    // Shopify's library answers a delivery missing its headers 400, a wrong signature 401.
    expect((await callRoute(handler, unsigned)).status).toBe(400);
    expect(await shopRowsLeft()).toBe(2);
  });
});
