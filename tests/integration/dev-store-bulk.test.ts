import { API_KEY, TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import db from "~/db.server";
import { authenticate, unauthenticated } from "~/shopify.server";

import { startTestDevStore, serveWebhookRoutes, openAppAsMerchant } from "../support/dev-store";

const PRODUCTS = 12;
const TERMINAL = ["COMPLETED", "FAILED", "CANCELED"];

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let hooks: Awaited<ReturnType<typeof serveWebhookRoutes>>;
const finished: Array<{ topic: string; payload: Record<string, unknown> }> = [];

beforeAll(async () => {
  // bulk_operations/finish goes to the app's route, verified with the app's own webhook check.
  hooks = await serveWebhookRoutes({
    "/webhooks/bulk_operations/finish": async ({ request }) => {
      const { topic, payload } = await authenticate.webhook(request);
      finished.push({ topic, payload: payload as Record<string, unknown> });
      return new Response();
    },
  });
  harness = await startTestDevStore({ products: PRODUCTS, appUrl: hooks.url });
  harness.app.webhooks.push({
    topics: ["bulk_operations/finish"],
    uri: "/webhooks/bulk_operations/finish",
    compliance: false,
  });
  await harness.addShop(TEST_SHOP);
  await db.session.deleteMany();
  const installed = await openAppAsMerchant();
  expect(installed.status).toBe(200);
});

afterAll(async () => {
  await harness.close();
  await hooks.close();
});

interface BulkOperation {
  id: string;
  status: string;
  errorCode: string | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
  completedAt: string | null;
}

const OPERATION_FIELDS =
  "id status errorCode objectCount rootObjectCount fileSize url partialDataUrl completedAt";

async function graphql(query: string, variables: Record<string, unknown> = {}) {
  const { admin } = await unauthenticated.admin(TEST_SHOP);
  return (await (await admin.graphql(query, { variables })).json()).data;
}

async function runBulkQuery(query: string) {
  const data = await graphql(
    `
      #graphql
      mutation PhotoStudioTestBulkRun($query: String!) {
        bulkOperationRunQuery(query: $query) {
          bulkOperation {
            id
            status
          }
          userErrors {
            field
            message
            code
          }
        }
      }
    `,
    { query },
  );
  return data.bulkOperationRunQuery as {
    bulkOperation: { id: string; status: string } | null;
    userErrors: Array<{ field: string[] | null; message: string; code: string | null }>;
  };
}

async function readOperation(id: string): Promise<BulkOperation> {
  const data = await graphql(
    `#graphql
    query PhotoStudioTestBulkRead($id: ID!) { bulkOperation(id: $id) { ${OPERATION_FIELDS} } }`,
    { id },
  );
  return data.bulkOperation;
}

/** Polls the operation as an app would, noting every status it passes through. */
async function waitUntilFinished(id: string, seen: string[] = []): Promise<BulkOperation> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const operation = await readOperation(id);
    if (seen.at(-1) !== operation.status) seen.push(operation.status);
    if (TERMINAL.includes(operation.status)) return operation;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`bulk operation ${id} did not finish`);
}

const CATALOG_QUERY = `{
  products(first: 2, sortKey: TITLE) {
    edges {
      node {
        id
        title
        featuredMedia { ... on MediaImage { id } }
        media { edges { node { id alt } } }
        variants { edges { node { id sku } } }
      }
    }
  }
}`;

describe("bulk query operations on the dev store", () => {
  it("export the whole catalog as JSONL: a line per product, its media and variants as __parentId lines after it", async () => {
    // Slow enough for the app's polling to see each state.
    harness.devStore.setBulkOperationPace({ startDelayMs: 300, pageDelayMs: 300 });
    const { bulkOperation, userErrors } = await runBulkQuery(CATALOG_QUERY);
    expect(userErrors).toEqual([]);
    expect(bulkOperation).toMatchObject({ status: "CREATED" });

    const seen: string[] = [];
    const operation = await waitUntilFinished(bulkOperation!.id, seen);
    expect(seen).toEqual(["CREATED", "RUNNING", "COMPLETED"]);

    const response = await fetch(operation.url!);
    expect(response.headers.get("content-type")).toBe("application/jsonl");
    const text = await response.text();
    const lines = text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);

    // `first: 2` is ignored: a bulk query reads every product, in the query's sort order.
    const roots = lines.filter((line) => !("__parentId" in line));
    expect(roots).toHaveLength(PRODUCTS);
    const titles = roots.map((line) => line.title as string);
    expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b)));
    // Nested objects stay inline; nested connections leave the parent's line.
    expect(roots[0]).toEqual({
      id: expect.stringMatching(/^gid:\/\/shopify\/Product\/\d+$/),
      title: titles[0],
      featuredMedia: { id: expect.stringMatching(/^gid:\/\/shopify\/MediaImage\//) },
    });

    let parent: string | null = null;
    for (const line of lines) {
      if (!("__parentId" in line)) parent = line.id as string;
      // Children come right after their parent and name it.
      else expect(line.__parentId).toBe(parent);
    }
    const children = lines.filter((line) => "__parentId" in line);
    expect(children.filter((line) => String(line.id).includes("/ProductVariant/"))).toHaveLength(
      PRODUCTS,
    );
    expect(children.filter((line) => String(line.id).includes("/MediaImage/"))).toHaveLength(
      PRODUCTS,
    );

    expect(operation).toMatchObject({
      errorCode: null,
      objectCount: String(lines.length),
      rootObjectCount: String(PRODUCTS),
      fileSize: String(Buffer.byteLength(text)),
      partialDataUrl: null,
    });
    expect(operation.completedAt).not.toBeNull();
  });

  it("announce the finished operation with bulk_operations/finish, signed for the app", async () => {
    await harness.devStore.webhooks.idle();
    const { id } = (
      await graphql(`
        #graphql
        query PhotoStudioTestBulkCurrent {
          currentBulkOperation {
            id
          }
        }
      `)
    ).currentBulkOperation;
    expect(finished).toContainEqual({
      topic: "BULK_OPERATIONS_FINISH",
      payload: expect.objectContaining({
        admin_graphql_api_id: id,
        status: "completed",
        type: "query",
        error_code: null,
      }),
    });
  });

  it("run five at a time per app: a sixth gets OPERATION_IN_PROGRESS, and cancelling frees a place", async () => {
    // Operations that would wait a minute to start: all five are still running below.
    harness.devStore.setBulkOperationPace({ startDelayMs: 60_000 });
    const running: string[] = [];
    for (let count = 0; count < 5; count += 1) {
      const { bulkOperation, userErrors } = await runBulkQuery(CATALOG_QUERY);
      expect(userErrors).toEqual([]);
      running.push(bulkOperation!.id);
    }

    const sixth = await runBulkQuery(CATALOG_QUERY);
    expect(sixth.bulkOperation).toBeNull();
    expect(sixth.userErrors).toEqual([
      {
        field: null,
        code: "OPERATION_IN_PROGRESS",
        message: `A bulk query operation for this app and shop is already in progress: ${[...running].sort().join(", ")}.`,
      },
    ]);

    harness.devStore.setBulkOperationPace({ startDelayMs: 100 });
    for (const id of running) {
      const cancel = await graphql(
        `
          #graphql
          mutation PhotoStudioTestBulkCancel($id: ID!) {
            bulkOperationCancel(id: $id) {
              bulkOperation {
                status
              }
              userErrors {
                field
                message
              }
            }
          }
        `,
        { id },
      );
      expect(cancel.bulkOperationCancel).toEqual({
        bulkOperation: { status: "CANCELING" },
        userErrors: [],
      });
    }
    for (const id of running) {
      expect(await waitUntilFinished(id)).toMatchObject({ status: "CANCELED", url: null });
    }
    const again = await runBulkQuery(CATALOG_QUERY);
    expect(again.userErrors).toEqual([]);
    await waitUntilFinished(again.bulkOperation!.id);
  });

  it("refuse to cancel a finished operation, naming its state", async () => {
    const { id } = (
      await graphql(`
        #graphql
        query PhotoStudioTestBulkLatest {
          currentBulkOperation {
            id
          }
        }
      `)
    ).currentBulkOperation;
    const cancel = await graphql(
      `
        #graphql
        mutation PhotoStudioTestBulkCancelDone($id: ID!) {
          bulkOperationCancel(id: $id) {
            bulkOperation {
              id
              status
            }
            userErrors {
              field
              message
            }
          }
        }
      `,
      { id },
    );
    expect(cancel.bulkOperationCancel).toEqual({
      bulkOperation: { id, status: "COMPLETED" },
      userErrors: [
        { field: null, message: "A bulk operation cannot be canceled when it is completed" },
      ],
    });
  });

  it.each([
    [
      "selects a connection through `nodes`",
      "{ products { nodes { id } } }",
      "All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: 'products { edges { node {'. Selecting via 'nodes' is not supported. Invalid connection fields: 'products'.",
    ],
    [
      "has no connection",
      "{ shop { id name } }",
      "Bulk queries must contain at least one connection.",
    ],
    [
      "nests connections three levels below the top one",
      "{ collections { edges { node { id products { edges { node { id variants { edges { node { id metafields { edges { node { id } } } } } } } } } } } } }",
      "Bulk queries cannot contain connections with a nesting depth greater than 2.",
    ],
    [
      "has six connections",
      "{ products { edges { node { id variants { edges { node { id } } } metafields { edges { node { id } } } collections { edges { node { id } } } media { edges { node { id } } } sellingPlanGroups { edges { node { id } } } } } } }",
      "Bulk queries cannot contain more than 5 connections.",
    ],
    [
      "nests a connection under a node without its id",
      "{ products { edges { node { title variants { edges { node { id } } } } } } }",
      "The parent 'node' field for a nested connection must select the 'id' field without an alias and must be of 'ID' return type. Connection fields without 'id': products.",
    ],
    [
      "is a mutation",
      'mutation { productCreate(product: { title: "x" }) { product { id } } }',
      "Invalid operation type. Only `query` operations are supported.",
    ],
    [
      "asks for a field the schema does not have",
      "{ products { edges { node { id favouriteColour } } } }",
      "Invalid bulk query: Field 'favouriteColour' doesn't exist on type 'Product'",
    ],
    ["is empty", "", "Invalid bulk query: syntax error, unexpected end of file"],
  ])("refuse a query that %s, with Shopify's userError", async (_case, query, message) => {
    expect(await runBulkQuery(query)).toEqual({
      bulkOperation: null,
      userErrors: [{ field: ["query"], code: "INVALID", message }],
    });
  });

  it("refuse a top-level `node` field", async () => {
    const { userErrors } = await runBulkQuery('{ node(id: "gid://shopify/Product/1") { id } }');
    expect(userErrors.map((error) => error.message)).toEqual([
      "Bulk queries cannot contain a top level `node` field.",
      "Bulk queries must contain at least one connection.",
    ]);
  });

  it("fail with ACCESS_DENIED when the app's scopes do not cover the query", async () => {
    harness.devStore.setBulkOperationPace({ startDelayMs: 10, pageDelayMs: 10 });
    harness.devStore.updateScopes(TEST_SHOP, API_KEY, ["write_files"]);
    try {
      const { bulkOperation } = await runBulkQuery("{ products { edges { node { id } } } }");
      expect(await waitUntilFinished(bulkOperation!.id)).toMatchObject({
        status: "FAILED",
        errorCode: "ACCESS_DENIED",
        url: null,
      });
    } finally {
      harness.devStore.updateScopes(TEST_SHOP, API_KEY, ["write_products", "write_files"]);
    }
  });

  it("serve results only at their unguessable URL, and expire them after seven days", async () => {
    const { bulkOperation } = await runBulkQuery("{ products { edges { node { id } } } }");
    const done = await waitUntilFinished(bulkOperation!.id);
    const url = new URL(done.url!);
    expect(url.pathname).toMatch(/^\/bulk-operation-outputs\/[0-9a-f]{48}\/final\.jsonl$/);
    const guessed = new URL(url.pathname.replace(/[0-9a-f]{48}/, "0".repeat(48)), url);
    expect((await fetch(guessed)).status).toBe(404);

    harness.devStore.advanceClock(7 * 24 + 1);
    expect(await readOperation(done.id)).toMatchObject({ status: "EXPIRED", url: null });
    expect((await fetch(url)).status).toBe(403);
  });
});
