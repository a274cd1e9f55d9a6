import { parse, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";

import { selectionCost } from "../../emulators/shopify/src/cost";
import { adminSchema } from "../../emulators/shopify/src/schema";
import { matchesSearch, parseSearchQuery } from "../../emulators/shopify/src/search-query";
import { CostBuckets } from "../../emulators/shopify/src/throttle";

const schema = adminSchema("2026-10")!;

function requestedCost(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions[0] as OperationDefinitionNode;
  return selectionCost(
    { schema, fragments: {}, variables },
    schema.getQueryType()!,
    operation.selectionSet,
  );
}

describe("calculated query cost, as Shopify publishes it", () => {
  it("charges 1 for an object and nothing for its scalars", () => {
    expect(requestedCost("{ shop { name email myshopifyDomain } }")).toBe(1);
  });

  it("charges a connection 2 plus its page size times the cost of one node", () => {
    expect(requestedCost("{ products(first: 50) { nodes { title handle } } }")).toBe(2 + 50 * 1);
    expect(requestedCost("{ products(first: 10) { edges { node { title } } } }")).toBe(2 + 10 * 1);
  });

  it("multiplies nested connections and reads page sizes from variables", () => {
    const cost = requestedCost(
      "query ($n: Int) { products(first: $n) { nodes { title media(first: 5) { nodes { alt } } } } }",
      { n: 20 },
    );
    expect(cost).toBe(2 + 20 * (1 + 2 + 5 * 1));
  });

  it("counts only the node actually returned when pricing the actual cost", () => {
    const document = parse("{ products(first: 50) { nodes { title } } }");
    const operation = document.definitions[0] as OperationDefinitionNode;
    const data = { products: { nodes: [{ title: "a" }, { title: "b" }, { title: "c" }] } };
    const input = { schema, fragments: {}, variables: {} };
    expect(selectionCost(input, schema.getQueryType()!, operation.selectionSet, data, true)).toBe(
      2 + 3,
    );
  });
});

describe("the leaky bucket", () => {
  it("refuses what is not available, then restores at the plan's rate", () => {
    let now = 0;
    const buckets = new CostBuckets(20, () => now);
    expect(buckets.take("shop:app", "Basic", 1_900).status).toMatchObject({
      maximumAvailable: 2_000,
      currentlyAvailable: 100,
      restoreRate: 100,
    });
    expect(buckets.take("shop:app", "Basic", 150).ok).toBe(false);
    now += 1_000;
    expect(buckets.take("shop:app", "Basic", 150).ok).toBe(true);
  });

  it("gives larger plans their larger rates and buckets", () => {
    const buckets = new CostBuckets(20, () => 0);
    expect(buckets.take("a", "Advanced", 0).status).toMatchObject({
      restoreRate: 200,
      maximumAvailable: 4_000,
    });
    expect(buckets.take("b", "Plus", 0).status).toMatchObject({
      restoreRate: 1_000,
      maximumAvailable: 20_000,
    });
  });

  it("keeps one bucket per app and store", () => {
    const buckets = new CostBuckets(1, () => 0);
    expect(buckets.take("shop-1:app", "Basic", 100).ok).toBe(true);
    expect(buckets.take("shop-1:app", "Basic", 1).ok).toBe(false);
    expect(buckets.take("shop-2:app", "Basic", 100).ok).toBe(true);
  });
});

describe("search syntax", () => {
  const products = [
    { title: "Red Shoe", vendor: "Acme", type: "Shoes", id: 1 },
    { title: "Blue Shoe", vendor: "Acme", type: "Shoes", id: 2 },
    { title: "Red Hat", vendor: "Hatters", type: "Hats", id: 3 },
  ];
  const lookup = (item: (typeof products)[number], field: string) =>
    ({ title: [item.title], vendor: [item.vendor], product_type: [item.type], id: [item.id] })[
      field
    ];
  const search = (query: string) =>
    products
      .filter((item) =>
        matchesSearch(item, parseSearchQuery(query), lookup, (p) => `${p.title} ${p.vendor}`),
      )
      .map((item) => item.id);

  it("ANDs terms, ORs groups and negates with - and NOT", () => {
    expect(search("vendor:Acme title:red*")).toEqual([1]);
    expect(search("product_type:Hats OR title:'Blue Shoe'".replace(/'/g, '"'))).toEqual([2, 3]);
    expect(search("-vendor:Acme")).toEqual([3]);
    expect(search("NOT product_type:Shoes")).toEqual([3]);
  });

  it("compares numbers and matches free text anywhere", () => {
    expect(search("id:>1")).toEqual([2, 3]);
    expect(search("hatters")).toEqual([3]);
  });
});
