import { Session } from "@shopify/shopify-api";
import {
  API_KEY,
  API_SECRET_KEY,
  APP_URL,
  TEST_SHOP,
  TEST_SHOP_NAME,
  getJwt,
} from "@shopify/shopify-api/test-helpers";
import { beforeAll, describe, expect, it } from "vitest";

import db from "~/db.server";
import { loader as privacyLoader } from "~/routes/app.privacy";
import { action, loader } from "~/routes/app.settings";
import { getShopSettings } from "~/settings/shop-settings.server";
import { sessionStorage } from "~/shopify.server";

import { callRoute } from "../support/shopify-requests";

const OTHER_SHOP = "other-shop.myshopify.com";

async function authorised(path: string, shopName: string, init: RequestInit = {}) {
  const { token } = await getJwt(shopName, API_KEY, API_SECRET_KEY);
  return new Request(`${APP_URL}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${token}`,
      Origin: "https://admin.shopify.com",
      ...(init.headers as Record<string, string> | undefined),
    },
  });
}

function post(fields: Record<string, string>, shopName = TEST_SHOP_NAME) {
  return authorised("/app/settings", shopName, {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
}

const FORM = {
  defaultPreset: "ebay",
  backgroundColor: "#eeeeee",
  writeMode: "add",
  autoApprove: "false",
  altText: "true",
  retentionDays: "7",
  resultRetentionDays: "90",
  aiProvider: "local",
};

beforeAll(async () => {
  for (const shop of [TEST_SHOP, OTHER_SHOP]) {
    await sessionStorage.storeSession(
      new Session({
        id: `offline_${shop}`,
        shop,
        state: "",
        isOnline: false,
        scope: "write_products,write_files",
        accessToken: "shpat_offline_token",
      }),
    );
  }
});

describe("the settings page", () => {
  it("loads the shop's settings, the presets, the operator's bounds and provider", async () => {
    const response = await callRoute(loader, await authorised("/app/settings", TEST_SHOP_NAME));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.settings).toMatchObject({ defaultPreset: "amazon", retentionDays: 30 });
    expect(body.presets).toContainEqual({ value: "amazon", label: "Amazon main image" });
    expect(body.bounds.retentionDays).toEqual({ min: 1, max: 90, default: 30 });
    expect(body.providers).toEqual({ operator: "local", choices: ["local"] });
  });

  it("saves valid settings for the session's shop only", async () => {
    const response = await callRoute(action, await post(FORM));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      ok: true,
      settings: { defaultPreset: "ebay", writeMode: "add", retentionDays: 7 },
    });
    expect((await getShopSettings(db, TEST_SHOP)).resultRetentionDays).toBe(90);
    expect((await getShopSettings(db, OTHER_SHOP)).defaultPreset).toBe("amazon");
  });

  it("answers 422 with an error per field and changes nothing", async () => {
    const before = await getShopSettings(db, TEST_SHOP);
    const response = await callRoute(
      action,
      await post({
        ...FORM,
        backgroundColor: "blue",
        retentionDays: "365",
        aiProvider: "replicate",
      }),
    );
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      ok: false,
      errors: {
        backgroundColor: "Enter a colour as # and six hex digits, like #f4f4f4.",
        retentionDays: "Keep source images and rejected results between 1 and 90 days.",
        aiProvider: "This provider is not available here.",
      },
    });
    expect(await getShopSettings(db, TEST_SHOP)).toEqual(before);
  });

  it("refuses requests without a session token", async () => {
    const response = await callRoute(
      action,
      new Request(`${APP_URL}/app/settings`, { method: "POST", body: new URLSearchParams(FORM) }),
    );
    expect([302, 401]).toContain(response.status);
    expect(
      [302, 401].includes((await callRoute(loader, new Request(`${APP_URL}/app/settings`))).status),
    ).toBe(true);
  });
});

describe("the privacy page", () => {
  it("states the shop's retention settings and the link lifetime from the configuration", async () => {
    const response = await callRoute(
      privacyLoader,
      await authorised("/app/privacy", TEST_SHOP_NAME),
    );
    expect(response.status).toBe(200);
    const { sections } = await response.json();
    const text = JSON.stringify(sections);
    expect(text).toContain("source images and rejected results 7 days, approved results 90 days");
    expect(text).toContain("links that work for 1 hour");
    expect(text).toContain("processed on Photo Studio's own server");
    expect(text).not.toContain("Replicate");
  });
});
