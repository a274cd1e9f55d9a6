import { afterAll, describe, expect, it } from "vitest";

import { recordAudit } from "~/audit/audit.server";
import { exportFileName, exportShopData } from "~/data-export/export.server";
import db from "~/db.server";

import { installShops } from "../review/requests";

import { newShop, storedJob, tempStorage } from "./support";

const disk = tempStorage();
afterAll(() => disk.drop());

describe("the data export", () => {
  it("holds the shop's jobs, items, results, writes, credits, settings, recipes and audit log", async () => {
    const shop = newShop("export");
    const other = newShop("export-other");
    await installShops(shop);
    const now = new Date();
    const { job, items } = await storedJob(db, disk.storage, shop, [
      {
        status: "written",
        createdAt: now,
        variant: { review: "approved", createdAt: now },
        writeBack: { state: "written", writtenAt: now },
      },
    ]);
    await storedJob(db, disk.storage, other, [{ status: "canceled", createdAt: now }]);
    await db.shopSettings.create({ data: { shop, retentionDays: 12 } });
    await db.savedRecipe.create({
      data: { shop, name: "Amazon white", recipe: JSON.stringify({ preset: "amazon" }) },
    });
    await db.creditAccount.create({ data: { shop, available: 40 } });
    await db.creditLedgerEntry.create({
      data: {
        shop,
        kind: "grant",
        amount: 40,
        source: "pack",
        description: "40 credits bought",
        idempotencyKey: "pack-1",
      },
    });
    await recordAudit(db, shop, { action: "job.started", actor: "merchant", subjectId: job.id });

    const data = await exportShopData(db, shop, now);
    expect(data).toMatchObject({
      format: "photo-studio-export",
      version: 1,
      shop,
      exportedAt: now.toISOString(),
      settings: { retentionDays: 12 },
      credits: { available: 40, held: 0, ledger: [{ kind: "grant", amount: 40 }] },
      savedRecipes: [{ name: "Amazon white", recipe: { preset: "amazon" } }],
      auditLog: [{ action: "job.started", subjectId: job.id }],
    });
    expect(data.jobs).toHaveLength(1);
    expect(data.jobs[0]).toMatchObject({
      id: job.id,
      recipe: { preset: "amazon" },
      items: [
        {
          id: items[0]!.id,
          status: "written",
          originalStored: true,
          results: [{ review: "approved", stored: true }],
          writes: [{ state: "written", mode: "replace" }],
        },
      ],
    });
    const text = JSON.stringify(data);
    expect(text).not.toContain(other);
    expect(text).not.toContain("shpat_");
    expect(text).not.toContain("accessToken");
    // Internal storage names are not part of the export.
    expect(text).not.toContain("shops/");
  });

  it("names the file for the shop and the UTC day", () => {
    expect(exportFileName("a-shop.myshopify.com", new Date("2026-12-02T23:59:00Z"))).toBe(
      "photo-studio-export-a-shop.myshopify.com-2026-12-02.json",
    );
  });
});
