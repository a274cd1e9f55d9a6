import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { auditShopCatalog, startAudit } from "~/catalog-audit/audit-catalog.server";
import {
  AUDIT_GROUP_IDS,
  AUDIT_GROUPS,
  auditCatalog,
  type AuditProduct,
} from "~/catalog-audit/audit-groups";
import { auditPageView, fixJobUrl } from "~/catalog-audit/audit-history.server";
import db from "~/db.server";
import { selectionFrom } from "~/recipes/new-job.server";
import { adminClientFor } from "~/shopify/admin-client.server";
import type { AdminClient } from "~/shopify/admin-types";

import { seedDefectCatalog } from "../../emulators/shopify/src/seed-defects";
import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";

const SHOP = "audit-defects.myshopify.com";

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let admin: AdminClient;
let ids: Record<string, string>;

beforeAll(async () => {
  harness = await startTestDevStore();
  const shop = harness.devStore.createShop({ domain: SHOP, name: "Audit Defects" });
  ids = await seedDefectCatalog(harness.devStore.store, shop);
  expect((await openAppAsMerchant(SHOP)).status).toBe(200);
  admin = await adminClientFor(SHOP);
  await db.imageFacts.deleteMany({ where: { shop: SHOP } });
  await db.catalogAuditRun.deleteMany({ where: { shop: SHOP } });
});

afterAll(async () => {
  await harness?.close();
});

describe("the catalog audit of a store with one product per defect", () => {
  it("counts exactly the products and images of each group", async () => {
    const result = await auditShopCatalog({ db, admin }, SHOP, { minImages: 3 });
    expect(result.productCount).toBe(9);
    expect(result.imageCount).toBe(22);
    expect(result.uncheckedBackgrounds).toBe(0);
    const counts = Object.fromEntries(
      AUDIT_GROUP_IDS.map((id) => [
        id,
        { products: result.groups[id].productIds, images: result.groups[id].imageCount },
      ]),
    );
    expect(counts).toEqual({
      noImage: { products: [ids.noImage], images: 0 },
      fewImages: { products: [ids.fewImages], images: 0 },
      below1000: { products: [ids.below1000], images: 3 },
      below2048: { products: [ids.below2048], images: 3 },
      nonWhite: { products: [ids.nonWhite], images: 3 },
      inconsistentAspect: { products: [ids.inconsistentAspect], images: 2 },
      missingAlt: { products: [ids.missingAlt], images: 3 },
      oversized: { products: [ids.oversized], images: 1 },
    });
    // 0 (no image) + 85 + 75 + 90 + 90 + 90 + 85 + 90 + 100 (healthy), over 9 products.
    expect(result.score).toBe(Math.round(705 / 9));
    expect(result.groups.nonWhite.examples[0]!.thumbnail).toMatch(/width=120/);
  });

  it("caches the backgrounds it looked at, so a second audit downloads nothing", async () => {
    expect(await db.imageFacts.count({ where: { shop: SHOP } })).toBe(22);
    const download = async () => {
      throw new Error("downloaded again");
    };
    const again = await auditShopCatalog({ db, admin, download }, SHOP, { minImages: 3 });
    expect(again.groups.nonWhite.productIds).toEqual([ids.nonWhite]);
    expect(again.uncheckedBackgrounds).toBe(0);
  });

  it("reads a large catalog with a bulk export and counts the same", async () => {
    const paged = await auditShopCatalog({ db, admin }, SHOP, { minImages: 3 });
    const sent: string[] = [];
    const watched: AdminClient = {
      shop: admin.shop,
      request: (document, options) => {
        sent.push(/(?:query|mutation)\s+(\w+)/.exec(document)?.[1] ?? "anonymous");
        return admin.request(document, options);
      },
    };
    const bulk = await auditShopCatalog({ db, admin: watched }, SHOP, { minImages: 3 }, undefined, {
      bulkThreshold: 5,
      bulk: { pollIntervalMs: 20, maxPollIntervalMs: 100, timeoutMs: 20_000 },
    });
    expect(bulk).toEqual(paged);
    expect(sent).toContain("PhotoStudioCatalogExportStart");
    expect(sent).not.toContain("PhotoStudioAuditProducts");
  });

  it("takes the minimum image count from the merchant", async () => {
    const result = await auditShopCatalog({ db, admin }, SHOP, { minImages: 4 });
    // Every product with 1 to 3 images now has too few.
    expect(result.groups.fewImages.productIds).toHaveLength(8);
  });

  it("stores each run, and the page shows the score over time and fix links", async () => {
    for (let run = 0; run < 2; run++) {
      let work: Promise<void> | undefined;
      const { started } = await startAudit({ db, admin }, SHOP, { minImages: 3 }, (w) => {
        work = w;
      });
      expect(started).toBe(true);
      await work;
    }
    const view = await auditPageView(db, SHOP);
    expect(view.latest?.status).toBe("completed");
    expect(view.latest?.score).toBe(78);
    expect(view.trend.map((point) => point.score)).toEqual([78, 78]);
    const nonWhite = view.latest!.groups.find((group) => group.id === "nonWhite")!;
    expect(nonWhite.productCount).toBe(1);
    expect(nonWhite.fix).toMatchObject({ kind: "job" });
    const url = new URL((nonWhite.fix as { url: string }).url, "https://app.example");
    expect(url.pathname).toBe("/app/jobs/new");
    expect(url.searchParams.get("solution")).toBe("amazon-seller");
    expect(selectionFrom(url.searchParams)).toEqual({ kind: "ids", ids: [ids.nonWhite] });
    const alt = view.latest!.groups.find((group) => group.id === "missingAlt")!;
    expect(alt.fix).toEqual({ kind: "alt-text", label: "Fill missing alt text", credits: 0 });
    expect(view.latest!.groups.find((group) => group.id === "noImage")!.fix).toBeNull();
  });

  it("keeps one audit running per shop", async () => {
    let work: Promise<void> | undefined;
    const first = await startAudit({ db, admin }, SHOP, { minImages: 3 }, (w) => {
      work = w;
    });
    const second = await startAudit({ db, admin }, SHOP, { minImages: 3 }, () => {
      throw new Error("a second audit was started");
    });
    expect(second).toEqual({ runId: first.runId, started: false });
    await work;
  });
});

describe("the audit's rules", () => {
  const image = (width: number, height: number, extra = {}) => ({
    mediaId: `m${width}x${height}`,
    url: `https://cdn.example/${width}x${height}.jpg`,
    alt: "A photo",
    width,
    height,
    bytes: 100_000,
    whiteBackground: true,
    ...extra,
  });
  const product = (id: string, images: AuditProduct["images"]): AuditProduct => ({
    id,
    title: id,
    handle: id,
    images,
  });

  it("scores an empty catalog 100 and a catalog of image-less products 0", () => {
    expect(auditCatalog([]).score).toBe(100);
    expect(auditCatalog([product("a", []), product("b", [])]).score).toBe(0);
  });

  it("takes each penalty once per product, however many images have the defect", () => {
    const result = auditCatalog([
      product("a", [image(600, 600), image(700, 700), image(800, 800)]),
    ]);
    expect(result.groups.below1000.imageCount).toBe(3);
    expect(result.score).toBe(100 - AUDIT_GROUPS.below1000.penalty);
  });

  it("treats shapes within 2% as the same, and follows the most common shape", () => {
    const result = auditCatalog([
      product("a", [image(1000, 2000), image(2000, 2000), image(2010, 2000), image(2000, 2000)]),
    ]);
    expect(result.groups.inconsistentAspect.imageCount).toBe(1);
    expect(result.groups.below2048.imageCount).toBe(4);
  });

  it("counts images whose background was not checked apart, in no group", () => {
    const result = auditCatalog([
      product("a", [
        image(2400, 2400, { whiteBackground: null }),
        image(2400, 2400),
        image(2400, 2400),
      ]),
    ]);
    expect(result.uncheckedBackgrounds).toBe(1);
    expect(result.groups.nonWhite.productIds).toEqual([]);
    expect(result.score).toBe(100);
  });

  it("calls files over 5 MB or beyond Shopify's 20 MP oversized", () => {
    const result = auditCatalog([
      product("a", [
        image(2400, 2400, { bytes: 5_000_001 }),
        image(4600, 4600, { mediaId: "big" }),
        image(2400, 2400, { mediaId: "fine", bytes: 5_000_000 }),
      ]),
    ]);
    expect(result.groups.oversized.imageCount).toBe(2);
  });

  it("links a fix job to at most 250 products", () => {
    const many = Array.from({ length: 300 }, (_, i) => `gid://shopify/Product/${i + 1}`);
    const url = new URL(fixJobUrl(many, "upscale-small"), "https://app.example");
    expect(url.searchParams.get("ids")!.split(",")).toHaveLength(250);
  });
});
