/**
 * A stand-in for the Shopify admin hosting an action extension: the `shopify` global with the
 * API the targets give (`data.selected`, `close`, `query`, `i18n`, `auth.idToken`), a document
 * to render into, and `fetch` to the app's backend. Admin API queries answer from a small catalog
 * the test names; backend calls answer with what the test says the app replies. Both are recorded
 * so a test can assert what the extension asked for.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { API_KEY, API_SECRET_KEY, TEST_SHOP_NAME, getJwt } from "@shopify/shopify-api/test-helpers";
import { render } from "preact";
import { vi } from "vitest";

import { RemoteDocument } from "./remote-dom";

export interface CatalogProduct {
  id: string;
  title: string;
  images: number;
}

export interface BackendCall {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}

export type Backend = (
  call: BackendCall,
) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>;

export interface HostOptions {
  extension:
    "photo-studio-bulk-action" | "photo-studio-product-action" | "photo-studio-product-block";
  target: string;
  selected: string[];
  catalog: CatalogProduct[];
  backend: Backend;
  locale?: "en" | "fr";
}

const EXTENSIONS = path.resolve(import.meta.dirname, "../../../extensions");

type Messages = { [key: string]: string | Messages };

function loadMessages(extension: string, locale: string): Messages {
  const read = (file: string) =>
    JSON.parse(readFileSync(path.join(EXTENSIONS, extension, "locales", file), "utf8")) as Messages;
  const fallback = read("en.default.json");
  return locale === "en" ? fallback : merge(fallback, read(`${locale}.json`));
}

function merge(base: Messages, over: Messages): Messages {
  const out: Messages = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      typeof value === "object" && typeof current === "object" ? merge(current, value) : value;
  }
  return out;
}

/** Shopify's translate: dotted keys, `{{name}}` replacements, plural forms chosen by `count`. */
export function translator(messages: Messages, locale: string) {
  const plural = new Intl.PluralRules(locale);
  return (key: string, options: Record<string, string | number> = {}) => {
    let entry: string | Messages | undefined = messages;
    for (const part of key.split(".")) entry = typeof entry === "object" ? entry[part] : undefined;
    if (typeof entry === "object" && typeof options.count === "number") {
      entry = entry[plural.select(options.count)] ?? entry.other;
    }
    if (typeof entry !== "string") throw new Error(`Missing translation ${key} (${locale})`);
    return entry.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) =>
      name in options ? String(options[name]) : `{{${name}}}`,
    );
  };
}

function productNode(product: CatalogProduct) {
  const number = product.id.split("/").at(-1);
  return {
    id: product.id,
    title: product.title,
    mediaCount: { count: product.images },
    featuredMedia:
      product.images > 0
        ? {
            preview: {
              image: { url: `https://cdn.shopify.com/s/files/${number}.jpg`, altText: null },
            },
          }
        : null,
  };
}

export async function startAdminHost(options: HostOptions) {
  const document = new RemoteDocument();
  const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY);
  const locale = options.locale ?? "en";
  const queries: Array<{ query: string; variables: unknown }> = [];
  const calls: BackendCall[] = [];
  const close = vi.fn();
  const navigate = vi.fn();
  const byId = new Map(options.catalog.map((product) => [product.id, product]));

  const shopify = {
    extension: { target: options.target },
    data: { selected: options.selected.map((id) => ({ id })) },
    close,
    navigation: { navigate },
    auth: { idToken: async () => token },
    i18n: {
      translate: translator(loadMessages(options.extension, locale), locale),
      formatNumber: (n: number) => new Intl.NumberFormat(locale).format(n),
      formatDate: (date: Date, options?: Intl.DateTimeFormatOptions) =>
        new Intl.DateTimeFormat(locale, { timeZone: "UTC", ...options }).format(date),
    },
    async query(query: string, request?: { variables?: { ids?: string[] } }) {
      queries.push({ query, variables: request?.variables });
      const ids = request?.variables?.ids ?? [];
      return {
        data: {
          nodes: ids.map((id) => {
            const product = byId.get(id);
            return product ? productNode(product) : null;
          }),
        },
      };
    },
  };

  const fetch = vi.fn(async (input: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    const call: BackendCall = {
      method: init.method ?? "GET",
      path: input,
      authorization: headers.get("Authorization"),
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const answer = await options.backend(call);
    return Response.json(answer.body, { status: answer.status });
  });

  vi.stubGlobal("shopify", shopify);
  vi.stubGlobal("document", document);
  vi.stubGlobal("fetch", fetch);

  return {
    document,
    shopify,
    token,
    queries,
    calls,
    close,
    navigate,
    /** Lets pending requests answer and Preact re-render. */
    async settle(rounds = 10) {
      for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    },
    /** Retries `check` until it passes (the UI updates after requests answer), or rethrows. */
    async waitFor(check: () => void, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          check();
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    },
    stop() {
      render(null, document.body as unknown as Element);
      vi.unstubAllGlobals();
    },
  };
}
