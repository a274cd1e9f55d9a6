import fs from "node:fs";
import path from "node:path";

import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";

import { REQUIRED_SCOPES } from "~/env.server";
import { ADMIN_API_VERSION } from "~/shopify/api-version";

interface Subscription {
  topics?: string[];
  compliance_topics?: string[];
  uri: string;
}

const toml = parse(fs.readFileSync("shopify.app.toml", "utf8")) as unknown as {
  client_id: string;
  application_url: string;
  embedded: boolean;
  access_scopes: { scopes: string };
  auth: { redirect_urls: string[] };
  webhooks: { api_version: string; subscriptions: Subscription[] };
  build: Record<string, unknown>;
  pos: { embedded: boolean };
};

const topics = (kind: "topics" | "compliance_topics") =>
  toml.webhooks.subscriptions.flatMap((subscription) => subscription[kind] ?? []);

describe("shopify.app.toml", () => {
  it("declares an embedded app with the fields the Shopify CLI requires", () => {
    expect(toml.client_id).toBeTruthy();
    expect(toml.embedded).toBe(true);
    expect(new URL(toml.application_url).protocol).toBe("https:");
    expect(toml.auth.redirect_urls.length).toBeGreaterThan(0);
    expect(toml.build).toBeTypeOf("object");
    expect(toml.pos.embedded).toBe(false);
  });

  it("asks for exactly the scopes the app checks for at start-up", () => {
    expect(toml.access_scopes.scopes.split(",").sort()).toEqual([...REQUIRED_SCOPES].sort());
  });

  it("subscribes webhooks on the same API version the app calls", () => {
    expect(toml.webhooks.api_version).toBe(ADMIN_API_VERSION);
  });

  it("subscribes the mandatory compliance topics, the app lifecycle, billing and products", () => {
    expect(topics("compliance_topics").sort()).toEqual([
      "customers/data_request",
      "customers/redact",
      "shop/redact",
    ]);
    expect(topics("topics").sort()).toEqual([
      "app/scopes_update",
      "app/uninstalled",
      "app_purchases_one_time/update",
      "app_subscriptions/approaching_capped_amount",
      "app_subscriptions/update",
      "products/create",
      "products/update",
    ]);
  });

  it("points every subscription at a route module that exists and is named in its comment", () => {
    const source = fs.readFileSync("shopify.app.toml", "utf8");
    for (const subscription of toml.webhooks.subscriptions) {
      const routeFile = `app/routes/${subscription.uri.slice(1).replaceAll("/", ".")}.tsx`;
      expect(fs.existsSync(path.resolve(routeFile)), routeFile).toBe(true);
      expect(source).toContain(`# Handled by: ${routeFile}`);
    }
  });
});
