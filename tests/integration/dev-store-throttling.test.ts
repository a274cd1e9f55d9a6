import { TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import db from "~/db.server";
import { unauthenticated } from "~/shopify.server";

import { startTestDevStore, openAppAsMerchant } from "../support/dev-store";

/** The `extensions.code` of the GraphQL error shopify-app-remix's admin client throws. */
function graphqlErrorCode(error: unknown): string {
  const body = (
    error as { body?: { errors?: { graphQLErrors?: Array<{ extensions?: { code?: string } }> } } }
  ).body;
  return body?.errors?.graphQLErrors?.[0]?.extensions?.code ?? String(error);
}

let harness: Awaited<ReturnType<typeof startTestDevStore>>;

// A bucket of 0.3 s of restore: 30 points on a development store (100 points/s).
beforeAll(async () => {
  harness = await startTestDevStore({ bucketSeconds: 0.3, products: 7 });
  await harness.addShop(TEST_SHOP);
  await db.session.deleteMany();
  expect((await openAppAsMerchant()).status).toBe(200);
});

afterAll(async () => {
  await harness.close();
});

const PRODUCTS = `#graphql
  query PhotoStudioTestThrottle { products(first: 20) { nodes { title } } }`;

describe("the Admin API's rate limit on the dev store", () => {
  it("reports requested and actual cost with the bucket's state on every answer", async () => {
    const { admin } = await unauthenticated.admin(TEST_SHOP);
    const body = await (await admin.graphql(PRODUCTS)).json();

    const cost = body.extensions?.cost;
    expect(cost).toMatchObject({
      requestedQueryCost: 22,
      actualQueryCost: 9,
      throttleStatus: { maximumAvailable: 30, restoreRate: 100 },
    });
    expect(cost?.throttleStatus?.currentlyAvailable).toBeLessThanOrEqual(30 - 9 + 1);
  });

  it("answers THROTTLED when the bucket cannot pay the requested cost, and recovers as it refills", async () => {
    const { admin } = await unauthenticated.admin(TEST_SHOP);
    // Four queries of 22 requested points each against a 30-point bucket, sent together.
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map(() => admin.graphql(PRODUCTS).then(() => "ok", graphqlErrorCode)),
    );
    expect(outcomes).toContain("ok");
    expect(outcomes).toContain("THROTTLED");
    expect(outcomes.filter((outcome) => outcome !== "ok" && outcome !== "THROTTLED")).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, 350));
    const body = await (await admin.graphql(PRODUCTS)).json();
    expect(body.data.products.nodes).toHaveLength(7);
  });

  it("refuses a single query above Shopify's maximum cost before running it", async () => {
    const { admin } = await unauthenticated.admin(TEST_SHOP);
    const code = await admin
      .graphql(
        `#graphql
        query PhotoStudioTestTooBig { products(first: 250) { nodes { media(first: 250) { nodes { alt } } } } }`,
      )
      .then(() => "ok", graphqlErrorCode);
    expect(code).toBe("MAX_COST_EXCEEDED");
  });
});
