import {
  GraphqlQueryError,
  HttpInternalError,
  HttpRequestError,
  HttpResponseError,
} from "@shopify/shopify-api";
import { TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import db from "~/db.server";
import {
  adminClientFor,
  adminClientStats,
  createAdminClient,
  resetAdminClientStats,
  ShopifyAdminError,
  type AdminTransport,
} from "~/shopify/admin-client.server";
import { pacerFor, resetThrottlePacing } from "~/shopify/throttle-pacer.server";
import { unauthenticated } from "~/shopify.server";

import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";

let harness: Awaited<ReturnType<typeof startTestDevStore>>;

// A bucket of one second of restore: 100 points on a development store (100 points/s), so a
// handful of 22-point queries at once is more than it holds.
beforeAll(async () => {
  harness = await startTestDevStore({ bucketSeconds: 1, products: 5 });
  await harness.addShop(TEST_SHOP);
  await db.session.deleteMany();
  expect((await openAppAsMerchant()).status).toBe(200);
});

afterAll(async () => {
  await harness.close();
});

beforeEach(() => {
  resetThrottlePacing();
  resetAdminClientStats();
});

afterEach(() => {
  harness.devStore.clearFaults();
});

const PRODUCTS = `#graphql
  query PhotoStudioTestPacedProducts { products(first: 20) { nodes { title } } }`;
const COUNT = `#graphql
  query PhotoStudioTestProductCount { productsCount { count } }`;
const CREATE = `#graphql
  mutation PhotoStudioTestCreateProduct($title: String!) {
    productCreate(product: { title: $title }) { product { id } userErrors { message } }
  }`;

/** Fast retries, so failing paths take milliseconds. */
const FAST = { retryBaseDelayMs: 5, retryMaxDelayMs: 20 };

/** The real admin.graphql, watched: what each call ended with, as Shopify answered it. */
async function watchedTransport(shop = TEST_SHOP) {
  const { admin } = await unauthenticated.admin(shop);
  const answers: string[] = [];
  const sent: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const transport: AdminTransport = async (document, options) => {
    sent.push(/(?:query|mutation) (\w+)/.exec(document)?.[1] ?? "?");
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const response = await admin.graphql(document, options);
      answers.push("ok");
      return response;
    } catch (error) {
      const code = (error as GraphqlQueryError).body?.errors?.graphQLErrors?.[0]?.extensions?.code;
      answers.push(typeof code === "string" ? code : "error");
      throw error;
    } finally {
      inFlight -= 1;
    }
  };
  return { transport, answers, sent, maxInFlight: () => maxInFlight };
}

async function rejection(promise: Promise<unknown>): Promise<ShopifyAdminError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ShopifyAdminError);
  return error as ShopifyAdminError;
}

async function productCount() {
  const client = await adminClientFor(TEST_SHOP);
  return (await client.request<{ productsCount: { count: number } }>(COUNT)).productsCount.count;
}

describe("what shopify-app-remix's admin.graphql throws (the client's input)", () => {
  it("a GraphqlQueryError for THROTTLED, with the cost report in its body", async () => {
    harness.devStore.injectFaults({ rate: 1, kinds: ["throttled"], times: 1 });
    const { admin } = await unauthenticated.admin(TEST_SHOP);
    const error = await admin.graphql(PRODUCTS).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(GraphqlQueryError);
    expect((error as GraphqlQueryError).body).toMatchObject({
      errors: { networkStatusCode: 200, graphQLErrors: [{ extensions: { code: "THROTTLED" } }] },
      extensions: { cost: { requestedQueryCost: 22, throttleStatus: { maximumAvailable: 100 } } },
    });
  });

  it("an HttpInternalError for a 5xx and an HttpRequestError when the connection drops", async () => {
    const { admin } = await unauthenticated.admin(TEST_SHOP);
    harness.devStore.injectFaults({ rate: 1, kinds: ["server-error"], times: 1 });
    const serverError = await admin.graphql(PRODUCTS).catch((thrown: unknown) => thrown);
    expect(serverError).toBeInstanceOf(HttpInternalError);
    expect([502, 503]).toContain((serverError as HttpInternalError).response.code);

    harness.devStore.injectFaults({ rate: 1, kinds: ["lost-response"], times: 1 });
    const dropped = await admin.graphql(PRODUCTS).catch((thrown: unknown) => thrown);
    expect(dropped).toBeInstanceOf(HttpRequestError);
    expect((dropped as Error).message).toMatch(/no response available/);
  });

  it("an HttpResponseError with code 401 when the token no longer works", async () => {
    const shop = "revoked-probe.myshopify.com";
    await harness.addShop(shop);
    expect((await openAppAsMerchant(shop)).status).toBe(200);
    const { admin } = await unauthenticated.admin(shop);
    revokeTokens(shop);
    const error = await admin.graphql(PRODUCTS).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(HttpResponseError);
    expect((error as HttpResponseError).response.code).toBe(401);
  });
});

function revokeTokens(shop: string) {
  const tokens = harness.devStore.store.state.accessTokens;
  for (const [token, record] of Object.entries(tokens)) {
    if (record.shop === shop) delete tokens[token];
  }
}

describe("the Admin client's pacing on the query-cost bucket", () => {
  it("lets many concurrent requests through a small bucket without Shopify ever answering THROTTLED", async () => {
    const watched = await watchedTransport();
    const client = createAdminClient(TEST_SHOP, watched.transport);

    const results = await Promise.all(
      Array.from({ length: 24 }, () =>
        client.request<{ products: { nodes: unknown[] } }>(PRODUCTS),
      ),
    );

    expect(results.every((data) => data.products.nodes.length === 5)).toBe(true);
    expect(watched.answers).toEqual(Array(24).fill("ok"));
    // Paced, not merely one at a time.
    expect(watched.maxInFlight()).toBeGreaterThan(1);
    expect(adminClientStats()).toEqual({
      requests: 24,
      throttled: 0,
      retried: 0,
      costSpent: 24 * (2 + 5),
    });
    expect(pacerFor(TEST_SHOP).snapshot()).toMatchObject({
      known: true,
      maximumAvailable: 100,
      restoreRate: 100,
      inFlight: 0,
      waiting: 0,
    });
  });

  it("meets THROTTLED with the same burst sent straight through admin.graphql (the test's control)", async () => {
    const watched = await watchedTransport();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await Promise.allSettled(
      Array.from({ length: 24 }, () =>
        watched.transport(PRODUCTS, { signal: new AbortController().signal }),
      ),
    );
    expect(watched.answers).toContain("THROTTLED");
  });

  it("serves waiters in order, so an expensive query is not starved by cheap ones", async () => {
    const watched = await watchedTransport();
    const client = createAdminClient(TEST_SHOP, watched.transport);
    const BIG = `#graphql
      query PhotoStudioTestBigQuery { products(first: 95) { nodes { title } } }`;
    const SMALL = `#graphql
      query PhotoStudioTestSmallQuery { shop { name } }`;
    // Teach the pacer the bucket and both costs, then let the bucket fill up.
    await client.request(BIG);
    await client.request(SMALL);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const taught = watched.sent.length;

    // The second big query has to wait for the first one's refund; the small ones, which would
    // fit at once, wait behind it.
    await Promise.all([
      client.request(BIG),
      client.request(BIG),
      ...Array.from({ length: 6 }, () => client.request(SMALL)),
    ]);

    expect(watched.sent.slice(taught)).toEqual([
      "PhotoStudioTestBigQuery",
      "PhotoStudioTestBigQuery",
      ...Array(6).fill("PhotoStudioTestSmallQuery"),
    ]);
    expect(watched.answers.slice(taught).filter((answer) => answer !== "ok")).toEqual([]);
  });
});

describe("the Admin client's retries", () => {
  it("waits out a THROTTLED answer and returns the data", async () => {
    harness.devStore.injectFaults({ rate: 1, kinds: ["throttled"], times: 2 });
    const client = await adminClientFor(TEST_SHOP);

    const data = await client.request<{ products: { nodes: unknown[] } }>(PRODUCTS);

    expect(data.products.nodes).toHaveLength(5);
    expect(harness.devStore.faults.report().injected.admin.throttled).toBe(2);
    expect(adminClientStats()).toMatchObject({ requests: 3, throttled: 2, retried: 2 });
  });

  it("gives up waiting for the bucket at the deadline, with a retryable THROTTLED error", async () => {
    harness.devStore.injectFaults({ rate: 1, kinds: ["throttled"] });
    const client = await adminClientFor(TEST_SHOP, { deadlineMs: 350 });

    const error = await rejection(client.request(PRODUCTS));

    expect(error).toMatchObject({ code: "THROTTLED", retryable: true });
    expect(error.message).toMatch(/limiting how fast Photo Studio can work/);
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(0);
  });

  it("retries a 5xx that clears up, invisibly", async () => {
    harness.devStore.injectFaults({ rate: 1, kinds: ["server-error"], times: 2 });
    const client = await adminClientFor(TEST_SHOP, FAST);

    const data = await client.request<{ products: { nodes: unknown[] } }>(PRODUCTS);

    expect(data.products.nodes).toHaveLength(5);
    expect(adminClientStats()).toMatchObject({ requests: 3, retried: 2, throttled: 0 });
  });

  it("reports UNAVAILABLE, retryable, once the retries of a lasting 5xx are used up", async () => {
    harness.devStore.injectFaults({ rate: 1, kinds: ["server-error"] });
    const client = await adminClientFor(TEST_SHOP, { ...FAST, maxRetries: 2 });

    const error = await rejection(client.request(PRODUCTS));

    expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: true });
    expect(error.message).toMatch(/^Shopify is temporarily unavailable \(it answered 50[23]\)/);
    expect(harness.devStore.faults.report().injected.admin["server-error"]).toBe(3);
    expect(adminClientStats()).toMatchObject({ requests: 3, retried: 2 });
  });

  it("aborts a request that hangs at its timeout, retries, then reports TIMEOUT", async () => {
    harness.devStore.injectFaults({ rate: 1, kinds: ["timeout"], hangMs: 10_000 });
    const client = await adminClientFor(TEST_SHOP, { ...FAST, timeoutMs: 150, maxRetries: 1 });
    const started = Date.now();

    const error = await rejection(client.request(PRODUCTS));

    expect(error).toMatchObject({ code: "TIMEOUT", retryable: true });
    expect(error.message).toMatch(/took too long/);
    expect(Date.now() - started).toBeLessThan(2_000);
    // The dev store saw both connections closed: the fetch really was aborted, not abandoned.
    await expect
      .poll(() => harness.devStore.faults.report().injected.abandonedHangs, { timeout: 2_000 })
      .toBe(2);
  });

  it("stops at once, with CANCELED, when the caller's signal aborts", async () => {
    harness.devStore.injectFaults({ rate: 1, kinds: ["timeout"], hangMs: 10_000 });
    const client = await adminClientFor(TEST_SHOP);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    const error = await rejection(client.request(PRODUCTS, { signal: controller.signal }));

    expect(error).toMatchObject({ code: "CANCELED", retryable: false });
    expect(adminClientStats().requests).toBe(1);
  });

  it("retries a mutation whose answer was lost, so a mutation that is not idempotent runs twice", async () => {
    const before = await productCount();
    harness.devStore.injectFaults({ rate: 1, kinds: ["lost-response"], times: 1 });
    const client = await adminClientFor(TEST_SHOP, FAST);

    const data = await client.request<{ productCreate: { product: { id: string } } }>(CREATE, {
      variables: { title: "Lost answer" },
    });

    expect(data.productCreate.product.id).toMatch(/^gid:\/\/shopify\/Product\//);
    // The first attempt ran too: callers of mutations must make them idempotent.
    expect(await productCount()).toBe(before + 2);
    expect(harness.devStore.faults.report().injected.admin["lost-response"]).toBe(1);
  });
});

describe("the Admin client's failures that retrying cannot fix", () => {
  it("reports UNAUTHORIZED, once and without retrying, when the store revoked the app's token", async () => {
    const shop = "revoked.myshopify.com";
    await harness.addShop(shop);
    expect((await openAppAsMerchant(shop)).status).toBe(200);
    const client = await adminClientFor(shop, FAST);
    revokeTokens(shop);

    const error = await rejection(client.request(PRODUCTS));

    expect(error).toMatchObject({ code: "UNAUTHORIZED", retryable: false });
    expect(error.message).toMatch(/lost access to your store.*reconnect/);
    expect(adminClientStats()).toMatchObject({ requests: 1, retried: 0 });
  });

  it("reports UNAUTHORIZED for a shop without an offline session", async () => {
    const error = await rejection(adminClientFor("never-installed.myshopify.com"));
    expect(error).toMatchObject({ code: "UNAUTHORIZED", retryable: false });
  });

  it("reports GRAPHQL with Shopify's message for a query Shopify refuses, without retrying", async () => {
    const client = await adminClientFor(TEST_SHOP);

    const error = await rejection(
      client.request(`#graphql
        query PhotoStudioTestBadField { shop { nameOfTheGame } }`),
    );

    expect(error).toMatchObject({ code: "GRAPHQL", retryable: false });
    expect(error.message).toMatch(/Cannot query field "nameOfTheGame" on type "Shop"/);
    expect(adminClientStats()).toMatchObject({ requests: 1, retried: 0 });
  });

  it("reports GRAPHQL for a query that costs more than the whole bucket, instead of waiting forever", async () => {
    const client = await adminClientFor(TEST_SHOP, { deadlineMs: 5_000 });
    const started = Date.now();

    const error = await rejection(
      client.request(`#graphql
        query PhotoStudioTestTooBigForBucket { products(first: 120) { nodes { title } } }`),
    );

    expect(error).toMatchObject({ code: "GRAPHQL", retryable: false });
    expect(error.message).toMatch(/costs 122 points.*at once \(100\)/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
