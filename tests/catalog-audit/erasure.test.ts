import { describe, expect, it } from "vitest";

import db from "~/db.server";
import { getEnv } from "~/env.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { eraseShopEverywhere } from "~/retention/erase-shop.server";
import { storageFor } from "~/storage/object-storage.server";

const LEAVING = "audit-leaving.myshopify.com";
const STAYING = "audit-staying.myshopify.com";

describe("erasing a shop", () => {
  it("removes its catalog health history and alt-text runs, and only its own", async () => {
    for (const shop of [LEAVING, STAYING]) {
      await db.catalogAuditRun.create({ data: { shop, status: "completed", score: 70 } });
      await db.altTextFillRun.create({
        data: { shop, productIds: JSON.stringify(["gid://shopify/Product/1"]) },
      });
    }
    await eraseShopEverywhere(
      { db, storage: storageFor(getEnv()), queue: jobRuntime().queue },
      LEAVING,
    );
    expect(await db.catalogAuditRun.count({ where: { shop: LEAVING } })).toBe(0);
    expect(await db.altTextFillRun.count({ where: { shop: LEAVING } })).toBe(0);
    expect(await db.catalogAuditRun.count({ where: { shop: STAYING } })).toBe(1);
    expect(await db.altTextFillRun.count({ where: { shop: STAYING } })).toBe(1);
    await jobRuntime().queue.close();
  });
});
