/**
 * `npm run dev-store` (`node emulators/shopify/cli.ts`): the dev store on its own, e.g. for an app
 * server you run yourself with `node --import ./emulators/shopify/preload.ts`. Registers the app of
 * shopify.app.toml with the client ID and secret the app uses (environment, then .env), keeps its
 * state in data/dev-store/ and opens the demo shop, seeded with the product catalog the first time.
 *
 *   node emulators/shopify/cli.ts [--port 3000] [--host 127.0.0.1] [--data-dir data/dev-store]
 *                                 [--app-url <the app's URL, default SHOPIFY_APP_URL>]
 *
 * `npm run demo` starts the same dev store together with the app.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

import dotenv from "dotenv";

import { appFromToml } from "./src/apps.ts";
import { seedCatalog } from "./src/seed.ts";
import { DevStore } from "./src/server.ts";

export const DEMO_SHOP = { domain: "photo-studio-demo.myshopify.com", name: "Photo Studio Demo" };

export interface AppConfig {
  clientId: string;
  clientSecret: string;
  appUrl?: string;
  databaseUrl?: string;
}

/** The app's Shopify configuration as the app itself reads it: environment first, then .env. */
export function localAppConfig(root = process.cwd()): AppConfig {
  const envFile = path.join(root, ".env");
  const file = fs.existsSync(envFile) ? dotenv.parse(fs.readFileSync(envFile)) : {};
  const value = (name: string) => process.env[name] || file[name] || undefined;
  const clientId = value("SHOPIFY_API_KEY");
  const clientSecret = value("SHOPIFY_API_SECRET");
  if (!clientId || !clientSecret) {
    throw new Error(
      "SHOPIFY_API_KEY and SHOPIFY_API_SECRET are not set: run `npm run setup` to write a .env for the dev store",
    );
  }
  return {
    clientId,
    clientSecret,
    appUrl: value("SHOPIFY_APP_URL"),
    databaseUrl: value("DATABASE_URL"),
  };
}

export interface LocalDevStoreOptions {
  root?: string;
  port: number;
  host: string;
  /** Origin browsers use (e.g. http://localhost:3000), if not http://<host>:<port>. */
  publicOrigin?: string;
  /** Where state persists; null keeps it in memory. */
  dataDir: string | null;
  app: { clientId: string; clientSecret: string; appUrl: string };
  shop?: { domain: string; name: string };
  /** How many catalog products a new shop gets (all 54 by default). */
  products?: number;
}

/** A dev store with the app registered and the shop open, listening. */
export async function startLocalDevStore(options: LocalDevStoreOptions): Promise<DevStore> {
  const root = options.root ?? process.cwd();
  const app = appFromToml(path.join(root, "shopify.app.toml"), options.app);
  const devStore = new DevStore({
    apps: [app],
    dataDir: options.dataDir,
    publicOrigin: options.publicOrigin,
  });
  const shop = options.shop ?? DEMO_SHOP;
  if (!devStore.store.shop(shop.domain)) {
    await seedCatalog(devStore.store, devStore.createShop(shop), options.products);
  }
  return devStore.listen(options.port, options.host);
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "3000" },
      host: { type: "string", default: "127.0.0.1" },
      "data-dir": { type: "string", default: "data/dev-store" },
      "app-url": { type: "string" },
    },
  });
  const config = localAppConfig();
  const appUrl = values["app-url"] ?? config.appUrl;
  if (!appUrl) throw new Error("Pass --app-url or set SHOPIFY_APP_URL: the URL the admin frames");
  const port = Number(values.port);
  const devStore = await startLocalDevStore({
    port,
    host: values.host,
    publicOrigin: values.host === "127.0.0.1" ? `http://localhost:${port}` : undefined,
    dataDir: path.resolve(values["data-dir"]),
    app: { clientId: config.clientId, clientSecret: config.clientSecret, appUrl },
  });
  console.log(`Dev store: admin at ${devStore.publicOrigin}, Admin API at ${devStore.url}`);
  console.log(`  app ${config.clientId} framed from ${appUrl}; state in ${values["data-dir"]}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void devStore.close().then(() => process.exit(0)));
  }
}
