/**
 * `npm run setup`: makes a clean clone runnable, and brings any database up to date.
 *
 * 1. Without Shopify credentials in the environment and without a .env file, writes a .env for the
 *    local dev store (a fresh random secret; nothing shared). Real deployments set the variables in
 *    their environment and this step does nothing.
 * 2. Applies the committed migrations to DATABASE_URL (SQLite file by default, or PostgreSQL).
 */
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";

import { migrate } from "./migrate.ts";

export const LOCAL_DEV_STORE_CLIENT_ID = "photo-studio-local";

export function localDevStoreEnvFile(port = 3000) {
  return [
    "# Written by `npm run setup` for the local dev store (offline demo). Replace these with your",
    "# app's values from the Partner Dashboard to run against a real store (README › Configuration).",
    `SHOPIFY_API_KEY=${LOCAL_DEV_STORE_CLIENT_ID}`,
    `SHOPIFY_API_SECRET=${randomBytes(32).toString("hex")}`,
    `SHOPIFY_APP_URL=http://localhost:${port}`,
    "SCOPES=write_products,write_files",
    "DATABASE_URL=file:./data/photo-studio.sqlite",
    `PORT=${port}`,
    "",
  ].join("\n");
}

const hasShopifyConfig = Boolean(process.env.SHOPIFY_API_KEY);
if (!existsSync(".env") && !hasShopifyConfig) {
  writeFileSync(".env", localDevStoreEnvFile(Number(process.env.PORT) || 3000), { mode: 0o600 });
  console.log("setup: wrote .env for the local dev store (see README › Configuration)");
}
await migrate();
