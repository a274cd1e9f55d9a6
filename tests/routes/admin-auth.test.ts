import { Session } from "@shopify/shopify-api";
import {
  API_KEY,
  API_SECRET_KEY,
  APP_URL,
  TEST_SHOP,
  TEST_SHOP_NAME,
  getJwt,
} from "@shopify/shopify-api/test-helpers";
import { beforeEach, describe, expect, it } from "vitest";

import db from "~/db.server";
import { loader as appLoader } from "~/routes/app";
import { sessionStorage } from "~/shopify.server";

import { callRoute, embeddedDocumentRequest } from "../support/shopify-requests";

const SCOPES = "write_products,write_files";

beforeEach(async () => {
  await db.session.deleteMany();
  // The offline session token exchange would have stored at install time.
  await sessionStorage.storeSession(
    new Session({
      id: `offline_${TEST_SHOP}`,
      shop: TEST_SHOP,
      state: "",
      isOnline: false,
      scope: SCOPES,
      accessToken: "shpat_offline_token",
    }),
  );
});

describe("embedded admin routes", () => {
  it("let in a request carrying a valid App Bridge session token, and hand the browser only the client ID", async () => {
    const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY);
    const response = await callRoute(appLoader, embeddedDocumentRequest("/app", TEST_SHOP, token));

    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({ apiKey: API_KEY });
    expect(JSON.stringify(body)).not.toContain(API_SECRET_KEY);
  });

  it("send a document request with a forged session token to the bounce page for a fresh one", async () => {
    const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, "another-apps-secret-value");
    const response = await callRoute(appLoader, embeddedDocumentRequest("/app", TEST_SHOP, token));
    expectBounce(response);
  });

  it("send a document request with an expired session token to the bounce page", async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY, {
      exp: past,
      nbf: past - 60,
      iat: past - 60,
    });
    const response = await callRoute(appLoader, embeddedDocumentRequest("/app", TEST_SHOP, token));
    expectBounce(response);
  });

  it("answer 401 with Shopify's retry header to a fetch whose bearer token is forged", async () => {
    const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, "another-apps-secret-value");
    const response = await callRoute(appLoader, bearerRequest("/app", token));
    expect(response.status).toBe(401);
    expect(response.headers.get("X-Shopify-Retry-Invalid-Session-Request")).toBe("1");
  });

  it("let in a fetch carrying a valid bearer session token", async () => {
    const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY);
    const response = await callRoute(appLoader, bearerRequest("/app", token));
    expect(response.status).toBe(200);
  });

  it("send a request without any Shopify context to the login page instead of serving it", async () => {
    const response = await callRoute(appLoader, new Request(`${APP_URL}/app`));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/auth/login");
  });
});

function expectBounce(response: Response) {
  expect(response.status).toBe(302);
  expect(response.headers.get("Location")).toMatch(/^\/auth\/session-token\?/);
}

function bearerRequest(path: string, token: string) {
  return new Request(new URL(path, APP_URL), {
    headers: { Authorization: `Bearer ${token}`, Origin: "https://admin.shopify.com" },
  });
}
