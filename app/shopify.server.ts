import "@shopify/shopify-app-remix/adapters/node";
import { AppDistribution, LogSeverity, shopifyApp } from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";

import { billingConfig } from "./billing/plans.server";
import prisma from "./db.server";
import { getEnv } from "./env.server";
import { recordInstallation } from "./models/shop.server";
import { ADMIN_API_VERSION } from "./shopify/api-version";

const env = getEnv();

const shopify = shopifyApp({
  apiKey: env.apiKey,
  apiSecretKey: env.apiSecret,
  apiVersion: ADMIN_API_VERSION,
  scopes: env.scopes,
  appUrl: env.appUrl,
  authPathPrefix: "/auth",
  sessionStorage: new PrismaSessionStorage(prisma),
  distribution: AppDistribution.AppStore,
  billing: billingConfig,
  future: {
    // Managed installation + token exchange: Shopify installs the app with the scopes declared in
    // shopify.app.toml and the app swaps App Bridge's session token for an access token, with no
    // OAuth redirects inside the admin iframe.
    // https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/token-exchange
    unstable_newEmbeddedAuthStrategy: true,
  },
  hooks: {
    afterAuth: async ({ session }) => {
      await recordInstallation(prisma, session.shop, session.scope);
    },
  },
  logger: { level: env.nodeEnv === "production" ? LogSeverity.Info : LogSeverity.Warning },
  ...(env.shopCustomDomain ? { customShopDomains: [env.shopCustomDomain] } : {}),
});

export default shopify;
export const apiVersion = ADMIN_API_VERSION;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const registerWebhooks = shopify.registerWebhooks;
export const sessionStorage = shopify.sessionStorage;
