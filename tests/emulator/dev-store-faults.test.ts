import { API_KEY, API_SECRET_KEY, APP_URL } from "@shopify/shopify-api/test-helpers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { appFromToml } from "../../emulators/shopify/src/apps";
import { mintSessionToken } from "../../emulators/shopify/src/auth";
import type { FaultReport } from "../../emulators/shopify/src/faults";
import { seedCatalog } from "../../emulators/shopify/src/seed";
import { type DevStore, SHOP_HEADER, startDevStore } from "../../emulators/shopify/src/server";

const SHOP = "faults.myshopify.com";
const app = appFromToml("shopify.app.toml", {
  clientId: API_KEY,
  clientSecret: API_SECRET_KEY,
  appUrl: APP_URL,
});

let devStore: DevStore;
let accessToken: string;

async function exchangeToken(store: DevStore) {
  const response = await fetch(`${store.url}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", [SHOP_HEADER]: SHOP },
    body: JSON.stringify({
      client_id: API_KEY,
      client_secret: API_SECRET_KEY,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: mintSessionToken(app, SHOP),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function startStore() {
  const store = await startDevStore({ apps: [app], dataDir: null, processingDelayMs: 10 });
  const shop = store.createShop({ domain: SHOP });
  await seedCatalog(store.store, shop, 3);
  return store;
}

function admin(query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal) {
  return fetch(`${devStore.url}/admin/api/2026-10/graphql.json`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Access-Token": accessToken,
      [SHOP_HEADER]: SHOP,
    },
    body: JSON.stringify({ query, variables }),
    signal,
  });
}

async function control(method: "GET" | "POST" | "DELETE", body?: unknown) {
  const response = await fetch(`${devStore.url}/_dev/faults`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as FaultReport & { error?: string },
  };
}

const PRODUCTS = `query { products(first: 3) { nodes { title } } }`;
const COUNT = `query { productsCount { count } }`;
const CREATE = `mutation ($title: String!) {
  productCreate(product: { title: $title }) { product { id } userErrors { message } }
}`;

async function productCount() {
  const body = (await (await admin(COUNT)).json()) as {
    data: { productsCount: { count: number } };
  };
  return body.data.productsCount.count;
}

beforeAll(async () => {
  devStore = await startStore();
  accessToken = await exchangeToken(devStore);
});

afterEach(() => {
  devStore.clearFaults();
});

afterAll(async () => {
  await devStore.close();
});

describe("fault injection in the dev store", () => {
  it("fails the share of Admin requests the rate asks for, the same ones for the same seed", async () => {
    const statuses = async () => {
      devStore.injectFaults({ rate: 0.3, kinds: ["server-error"], seed: 42 });
      const seen: number[] = [];
      for (let i = 0; i < 40; i++) seen.push((await admin(PRODUCTS)).status);
      return seen;
    };
    const first = await statuses();
    const failed = first.filter((status) => status !== 200);
    expect(failed.length).toBeGreaterThan(4);
    expect(failed.length).toBeLessThan(24);
    expect(new Set(failed)).toEqual(new Set([502, 503]));
    expect(devStore.faults.report().injected.admin["server-error"]).toBe(failed.length);

    expect(await statuses()).toEqual(first);
  });

  it("answers nothing but the real thing once the faults are cleared, and keeps the counts", async () => {
    devStore.injectFaults({ rate: 1 });
    expect((await admin(PRODUCTS)).status).toBeGreaterThanOrEqual(502);
    devStore.clearFaults();
    expect((await admin(PRODUCTS)).status).toBe(200);
    expect(devStore.faults.report()).toMatchObject({
      settings: null,
      injected: { admin: { "server-error": 1 } },
    });
  });

  it("answers THROTTLED as Shopify does, with the requested cost and the bucket, charging nothing", async () => {
    devStore.injectFaults({ rate: 1, kinds: ["throttled"], times: 1 });
    const response = await admin(PRODUCTS);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, never>;
    expect(body).toMatchObject({
      errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }],
      extensions: {
        cost: {
          requestedQueryCost: 2 + 3,
          actualQueryCost: null,
          throttleStatus: { maximumAvailable: 2_000, restoreRate: 100 },
        },
      },
    });
    expect(body).not.toHaveProperty("data");

    const next = (await (await admin(PRODUCTS)).json()) as Record<string, never>;
    expect(next).toMatchObject({ data: { products: { nodes: [{}, {}, {}] } } });
    expect(devStore.faults.report().injected.admin.throttled).toBe(1);
  });

  it("holds a timed-out request, then answers 504 without having run it", async () => {
    const before = await productCount();
    devStore.injectFaults({ rate: 1, kinds: ["timeout"], hangMs: 200, times: 1 });
    const started = Date.now();
    const response = await admin(CREATE, { title: "Never created" });
    expect(response.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(await productCount()).toBe(before);
  });

  it("notices a client that gives up on a held request, and stops holding it", async () => {
    devStore.injectFaults({ rate: 1, kinds: ["timeout"], hangMs: 10_000, times: 1 });
    await expect(admin(PRODUCTS, {}, AbortSignal.timeout(100))).rejects.toThrow();
    await expect
      .poll(() => devStore.faults.report().injected.abandonedHangs, { timeout: 2_000 })
      .toBe(1);
  });

  it("runs a mutation, then drops the connection: the client sees no answer but the product exists", async () => {
    const before = await productCount();
    devStore.injectFaults({ rate: 1, kinds: ["lost-response"], times: 1 });
    await expect(admin(CREATE, { title: "Created, answer lost" })).rejects.toThrow(/fetch failed/);
    expect(await productCount()).toBe(before + 1);
    expect(devStore.faults.report().injected.admin["lost-response"]).toBe(1);
  });

  it("fails staged uploads and CDN downloads at their own rates", async () => {
    devStore.injectFaults({ stagedUploadRate: 1, cdnRate: 1 });
    const file = devStore.store.shop(SHOP)!.files[0]!;
    const cdn = await fetch(`${devStore.url}/cdn/shop/files/1/${file.id}/${file.filename}`);
    expect(cdn.status).toBe(503);
    const upload = await fetch(`${devStore.url}/staged-uploads/`, {
      method: "POST",
      body: new FormData(),
    });
    expect(upload.status).toBe(503);
    expect(await upload.text()).toContain("<Code>ServiceUnavailable</Code>");
    // Admin requests were not asked to fail.
    expect((await admin(PRODUCTS)).status).toBe(200);
    expect(devStore.faults.report().injected).toMatchObject({
      stagedUpload: { "server-error": 1 },
      cdn: { "server-error": 1 },
      admin: { "server-error": 0 },
    });

    devStore.clearFaults();
    expect(
      (await fetch(`${devStore.url}/cdn/shop/files/1/${file.id}/${file.filename}`)).status,
    ).toBe(200);
  });

  it("is switched on, read and off through the control API, which refuses settings it does not know", async () => {
    const on = await control("POST", { rate: 0.5, kinds: ["throttled", "timeout"], hangMs: 50 });
    expect(on.status).toBe(200);
    expect(on.body.settings).toMatchObject({ rate: 0.5, kinds: ["throttled", "timeout"] });
    expect((await control("GET")).body.settings).toMatchObject({ hangMs: 50, seed: 1 });

    expect((await control("POST", { rate: 2 })).status).toBe(400);
    expect((await control("POST", { kinds: ["meteor"] })).body.error).toMatch(/kinds must list/);
    expect((await control("POST", { ratee: 0.1 })).body.error).toMatch(/Unknown fault settings/);

    expect((await control("DELETE")).body.settings).toBeNull();
    expect((await control("GET")).body.settings).toBeNull();
  });

  it("ends held responses when it closes, instead of waiting out the hang", async () => {
    const store = await startStore();
    const token = await exchangeToken(store);
    store.injectFaults({ rate: 1, kinds: ["timeout"], hangMs: 30_000 });
    const held = fetch(`${store.url}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Access-Token": token,
        [SHOP_HEADER]: SHOP,
      },
      body: JSON.stringify({ query: PRODUCTS }),
    });
    const outcome = held.then(
      (response) => response.status,
      () => "dropped",
    );
    await expect.poll(() => store.faults.report().injected.admin.timeout).toBe(1);

    const started = Date.now();
    await store.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await outcome).toBe("dropped");
  });
});
