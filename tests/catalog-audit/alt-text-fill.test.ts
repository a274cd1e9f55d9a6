import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { getAiProvider } from "~/ai/provider.server";
import { latestAltTextFill, startAltTextFill } from "~/catalog-audit/alt-text-fill.server";
import db from "~/db.server";
import { adminClientFor } from "~/shopify/admin-client.server";
import type { AdminClient } from "~/shopify/admin-types";

import { seedDefectCatalog } from "../../emulators/shopify/src/seed-defects";
import { adminData } from "../catalog/support";
import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";

const SHOP = "alt-fill.myshopify.com";

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let admin: AdminClient;
let ids: Record<string, string>;

async function alts(productId: string): Promise<string[]> {
  const data = await adminData(
    `#graphql
    query PhotoStudioTestFillAlt($id: ID!) { product(id: $id) { media(first: 5) { nodes { alt } } } }`,
    { id: productId },
    SHOP,
  );
  return (data.product.media.nodes as Array<{ alt: string | null }>).map((node) => node.alt ?? "");
}

async function fill(productIds: string[], overwrite: boolean) {
  let work: Promise<unknown> | undefined;
  const { started } = await startAltTextFill(
    { db, admin, provider: getAiProvider() },
    SHOP,
    { productIds, overwrite },
    (running) => {
      work = running;
    },
  );
  expect(started).toBe(true);
  await work;
  return latestAltTextFill(db, SHOP);
}

beforeAll(async () => {
  harness = await startTestDevStore();
  const shop = harness.devStore.createShop({ domain: SHOP, name: "Alt Fill" });
  ids = await seedDefectCatalog(harness.devStore.store, shop);
  expect((await openAppAsMerchant(SHOP)).status).toBe(200);
  admin = await adminClientFor(SHOP);
});

afterAll(async () => {
  await harness?.close();
});

describe("filling in alt text", () => {
  it("writes alt text only where there was none, leaving the merchant's own untouched", async () => {
    const before = await alts(ids.healthy!);
    expect(await alts(ids.missingAlt!)).toEqual(["", "", ""]);

    const run = await fill([ids.healthy!, ids.missingAlt!], false);
    expect(run).toMatchObject({ status: "completed", total: 6, written: 3, skipped: 3, failed: 0 });

    expect(await alts(ids.healthy!)).toEqual(before);
    const written = await alts(ids.missingAlt!);
    for (const alt of written) {
      // The product's name leads, then what the local provider measured in the picture.
      expect(alt).toMatch(/^Defect Missing Alt by Alt Fill \(Audit Test\), .*white background/);
      expect(alt.length).toBeLessThanOrEqual(125);
    }
  });

  it("overwrites existing alt text when the merchant asks", async () => {
    const before = await alts(ids.healthy!);
    expect(before[0]).toBe("Healthy Product photo 1");
    const run = await fill([ids.healthy!], true);
    expect(run).toMatchObject({ status: "completed", total: 3, written: 3, skipped: 0 });
    const after = await alts(ids.healthy!);
    expect(after).not.toEqual(before);
    for (const alt of after) expect(alt).toMatch(/^Healthy Product by Alt Fill/);
  });

  it("keeps the run's counts and shop to itself", async () => {
    expect(await latestAltTextFill(db, "someone-else.myshopify.com")).toBeNull();
  });
});
