/**
 * The apps installed on the dev store, as the Partner Dashboard knows them: client ID and secret,
 * the URL Shopify admin frames, the access scopes and the webhook subscriptions of the app's
 * shopify.app.toml (Shopify reads the same file when the CLI deploys the app).
 */
import fs from "node:fs";

import { parse } from "smol-toml";

export interface WebhookSubscription {
  topics: string[];
  uri: string;
  compliance: boolean;
}

export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  name: string;
  handle: string;
  appUrl: string;
  scopes: string[];
  apiVersion: string;
  webhooks: WebhookSubscription[];
}

interface AppToml {
  client_id?: string;
  name?: string;
  handle?: string;
  access_scopes?: { scopes?: string };
  webhooks?: {
    api_version?: string;
    subscriptions?: Array<{ topics?: string[]; compliance_topics?: string[]; uri: string }>;
  };
}

export function appFromToml(
  tomlPath: string,
  overrides: { clientSecret: string; appUrl: string; clientId?: string },
): AppRegistration {
  const toml = parse(fs.readFileSync(tomlPath, "utf8")) as AppToml;
  return {
    clientId: overrides.clientId ?? toml.client_id ?? "",
    clientSecret: overrides.clientSecret,
    name: toml.name ?? "App",
    handle: toml.handle ?? "app",
    appUrl: overrides.appUrl.replace(/\/+$/, ""),
    scopes: (toml.access_scopes?.scopes ?? "")
      .split(",")
      .map((scope) => scope.trim())
      .filter(Boolean),
    apiVersion: toml.webhooks?.api_version ?? "2026-10",
    webhooks: (toml.webhooks?.subscriptions ?? []).flatMap((subscription) => [
      ...(subscription.topics?.length
        ? [{ topics: subscription.topics, uri: subscription.uri, compliance: false }]
        : []),
      ...(subscription.compliance_topics?.length
        ? [{ topics: subscription.compliance_topics, uri: subscription.uri, compliance: true }]
        : []),
    ]),
  };
}
