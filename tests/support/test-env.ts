import { API_KEY, API_SECRET_KEY, APP_URL } from "@shopify/shopify-api/test-helpers";

/**
 * The app configuration every test runs with: Shopify's own test credentials, so tokens and HMACs
 * made by @shopify/shopify-api/test-helpers are valid for the app under test.
 */
export const TEST_APP_ENV = {
  SHOPIFY_API_KEY: API_KEY,
  SHOPIFY_API_SECRET: API_SECRET_KEY,
  SHOPIFY_APP_URL: APP_URL,
  SCOPES: "write_products,write_files",
  NODE_ENV: "test",
} as const;
