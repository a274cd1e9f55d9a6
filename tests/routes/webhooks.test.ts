import { API_SECRET_KEY, TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import { beforeEach, describe, expect, it } from "vitest";

import db from "~/db.server";
import { getEnv } from "~/env.server";
import { storageFor } from "~/storage/object-storage.server";
import { originalKey } from "~/storage/keys";
import { recordInstallation } from "~/models/shop.server";
import { action as customersDataRequest } from "~/routes/webhooks.customers.data_request";
import { action as customersRedact } from "~/routes/webhooks.customers.redact";
import { action as appScopesUpdate } from "~/routes/webhooks.app.scopes_update";
import { action as appUninstalled } from "~/routes/webhooks.app.uninstalled";
import { action as shopRedact } from "~/routes/webhooks.shop.redact";

import { callRoute, webhookRequest } from "../support/shopify-requests";

const OTHER_SHOP = "other-shop.myshopify.com";

async function installShop(shop: string, scope = "write_products,write_files") {
  await recordInstallation(db, shop, scope);
  await db.session.create({
    data: { id: `offline_${shop}`, shop, state: "ok", isOnline: false, scope, accessToken: "tok" },
  });
}

beforeEach(async () => {
  await db.session.deleteMany();
  await db.shop.deleteMany();
  await installShop(TEST_SHOP);
  await installShop(OTHER_SHOP);
});

describe("app/uninstalled", () => {
  it("removes the shop's sessions and records when it left, leaving other shops alone", async () => {
    const response = await callRoute(
      appUninstalled,
      webhookRequest("app/uninstalled", TEST_SHOP, { id: 1, domain: TEST_SHOP }),
    );

    expect(response.status).toBe(200);
    expect(await db.session.count({ where: { shop: TEST_SHOP } })).toBe(0);
    expect(
      (await db.shop.findUnique({ where: { shop: TEST_SHOP } }))?.uninstalledAt,
    ).toBeInstanceOf(Date);
    expect(await db.session.count({ where: { shop: OTHER_SHOP } })).toBe(1);
    expect((await db.shop.findUnique({ where: { shop: OTHER_SHOP } }))?.uninstalledAt).toBeNull();
  });

  it("answers 200 again when Shopify repeats the delivery after the sessions are gone", async () => {
    const payload = { id: 1, domain: TEST_SHOP };
    await callRoute(appUninstalled, webhookRequest("app/uninstalled", TEST_SHOP, payload));
    const repeat = await callRoute(
      appUninstalled,
      webhookRequest("app/uninstalled", TEST_SHOP, payload),
    );
    expect(repeat.status).toBe(200);
  });

  it("refuses a delivery signed with another app's secret and changes nothing", async () => {
    const response = await callRoute(
      appUninstalled,
      webhookRequest(
        "app/uninstalled",
        TEST_SHOP,
        { id: 1 },
        { secret: "not-this-apps-secret-at-all" },
      ),
    );
    expect(response.status).toBe(401);
    expect(await db.session.count({ where: { shop: TEST_SHOP } })).toBe(1);
  });

  it("refuses a delivery whose body changed after signing", async () => {
    const response = await callRoute(
      appUninstalled,
      webhookRequest(
        "app/uninstalled",
        TEST_SHOP,
        { id: 1 },
        { tamper: (body) => body.replace("1", "2") },
      ),
    );
    expect(response.status).toBe(401);
    expect(await db.session.count({ where: { shop: TEST_SHOP } })).toBe(1);
  });
});

describe("app/scopes_update", () => {
  it("writes the scopes the merchant now grants onto the shop's sessions", async () => {
    const response = await callRoute(
      appScopesUpdate,
      webhookRequest("app/scopes_update", TEST_SHOP, {
        id: 1,
        previous: ["write_products", "write_files"],
        current: ["write_products", "write_files", "read_themes"],
        updated_at: new Date().toISOString(),
      }),
    );
    expect(response.status).toBe(200);
    const session = await db.session.findUniqueOrThrow({ where: { id: `offline_${TEST_SHOP}` } });
    expect(session.scope).toBe("write_products,write_files,read_themes");
    const other = await db.session.findUniqueOrThrow({ where: { id: `offline_${OTHER_SHOP}` } });
    expect(other.scope).toBe("write_products,write_files");
  });

  it("rejects a payload without a scope list instead of blanking the scopes", async () => {
    const response = await callRoute(
      appScopesUpdate,
      webhookRequest("app/scopes_update", TEST_SHOP, { id: 1, current: "write_products" }),
    );
    expect(response.status).toBe(422);
    const session = await db.session.findUniqueOrThrow({ where: { id: `offline_${TEST_SHOP}` } });
    expect(session.scope).toBe("write_products,write_files");
  });

  it("refuses an unsigned delivery and keeps the old scopes", async () => {
    const response = await callRoute(
      appScopesUpdate,
      webhookRequest(
        "app/scopes_update",
        TEST_SHOP,
        { current: [] },
        { secret: API_SECRET_KEY.split("").reverse().join("") },
      ),
    );
    expect(response.status).toBe(401);
    const session = await db.session.findUniqueOrThrow({ where: { id: `offline_${TEST_SHOP}` } });
    expect(session.scope).toBe("write_products,write_files");
  });
});

describe("compliance webhooks", () => {
  it("shop/redact erases the shop without needing a session, and only that shop", async () => {
    await db.session.deleteMany({ where: { shop: TEST_SHOP } }); // 48 h after uninstall: none left
    const response = await callRoute(
      shopRedact,
      webhookRequest("shop/redact", TEST_SHOP, { shop_id: 1, shop_domain: TEST_SHOP }),
    );
    expect(response.status).toBe(200);
    expect(await db.shop.count({ where: { shop: TEST_SHOP } })).toBe(0);
    expect(await db.shop.count({ where: { shop: OTHER_SHOP } })).toBe(1);
    expect(await db.session.count({ where: { shop: OTHER_SHOP } })).toBe(1);
  });

  it("shop/redact deletes the shop's image files too, and no other shop's", async () => {
    const storage = storageFor(getEnv());
    const leaving = originalKey(TEST_SHOP, "job1", "item1", "jpg");
    const staying = originalKey(OTHER_SHOP, "job2", "item2", "jpg");
    await storage.put(leaving, Buffer.from("leaving"), { contentType: "image/jpeg" });
    await storage.put(staying, Buffer.from("staying"), { contentType: "image/jpeg" });

    const payload = { shop_id: 1, shop_domain: TEST_SHOP };
    for (let delivery = 0; delivery < 2; delivery++) {
      // Shopify may deliver it twice: the repeat finds nothing left and still answers 200.
      const response = await callRoute(
        shopRedact,
        webhookRequest("shop/redact", TEST_SHOP, payload),
      );
      expect(response.status).toBe(200);
    }
    await expect(storage.get(leaving)).rejects.toThrow();
    await expect(storage.get(staying)).resolves.toEqual(Buffer.from("staying"));
  });

  it("shop/redact with a bad signature answers 401 and erases nothing", async () => {
    const response = await callRoute(
      shopRedact,
      webhookRequest(
        "shop/redact",
        TEST_SHOP,
        { shop_domain: TEST_SHOP },
        { secret: "x".repeat(32) },
      ),
    );
    expect(response.status).toBe(401);
    expect(await db.shop.count({ where: { shop: TEST_SHOP } })).toBe(1);
  });

  it.each([
    ["customers/data_request", customersDataRequest],
    ["customers/redact", customersRedact],
  ] as const)("%s is acknowledged when signed and refused when not", async (topic, handler) => {
    const payload = { shop_domain: TEST_SHOP, customer: { id: 7, email: "c@example.com" } };
    expect((await callRoute(handler, webhookRequest(topic, TEST_SHOP, payload))).status).toBe(200);
    const forged = webhookRequest(topic, TEST_SHOP, payload, { secret: "y".repeat(32) });
    expect((await callRoute(handler, forged)).status).toBe(401);
  });
});
