import { TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  browseProducts,
  countProducts,
  PAGE_SIZE,
  productFacets,
  productsByIds,
  productSearchQuery,
  type BrowsedProduct,
  type ProductFilters,
} from "~/catalog/product-browser.server";
import db from "~/db.server";
import { adminClientFor } from "~/shopify/admin-client.server";
import type { AdminClient } from "~/shopify/admin-types";

import { readCatalog } from "../../emulators/shopify/src/seed";
import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";

import {
  adminData,
  createProduct,
  mediaSettled,
  productShot,
  setStatus,
  stageImage,
} from "./support";

/** The first 30 catalog entries: they include the Ethernet cable and the Freerun shoe on white. */
const SEEDED = 30;
const OTHER_SHOP = "other-shop.myshopify.com";

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let admin: AdminClient;
const made = { white: "", grey: "", small: "", empty: "" };
let allTitles: string[] = [];
let foreignProductId: string;

const browse = (filters: ProductFilters, page = {}, options = {}) =>
  browseProducts({ admin, db }, TEST_SHOP, filters, page, options);
const titles = (products: BrowsedProduct[]) => products.map((product) => product.title);
const byTitle = (a: string, b: string) => a.localeCompare(b);

beforeAll(async () => {
  harness = await startTestDevStore({ products: SEEDED });
  await harness.addShop(TEST_SHOP);
  const other = await harness.addShop(OTHER_SHOP);
  foreignProductId = `gid://shopify/Product/${other.products[0]!.id}`;
  expect((await openAppAsMerchant(TEST_SHOP)).status).toBe(200);
  admin = await adminClientFor(TEST_SHOP);

  const tests = { productType: "Studio Test", vendor: "Photo Studio Tests" };
  made.white = await createProduct({ title: "Zz White Mug", ...tests }, [
    await stageImage(await productShot("#ffffff", 1400), "white-mug.jpg"),
  ]);
  made.grey = await createProduct({ title: "Zz Grey Lamp", ...tests }, [
    await stageImage(await productShot("#8c8c8c", 1400), "grey-lamp.jpg"),
  ]);
  // White, but 640 px: too small for a marketplace's zoom.
  made.small = await createProduct({ title: "Zz Tiny Badge", ...tests, status: "DRAFT" }, [
    await stageImage(await productShot("#ffffff", 640), "tiny-badge.jpg"),
  ]);
  made.empty = await createProduct({ title: "Zz Empty Shelf", ...tests }, []);
  await mediaSettled();

  const seededIds = (
    await adminData(`#graphql
      query PhotoStudioTestBrowserIds { products(first: 100, sortKey: ID) { nodes { id title } } }`)
  ).products.nodes as Array<{ id: string; title: string }>;
  await setStatus(seededIds.find((product) => product.title === "Tripod")!.id, "ARCHIVED");
  allTitles = seededIds.map((product) => product.title).sort(byTitle);
  expect(allTitles).toHaveLength(SEEDED + 4);
});

afterAll(async () => {
  await harness?.close();
});

describe("browsing the catalog", () => {
  it("pages through every product by title, 25 at a time, forwards and back", async () => {
    const first = await browse({});
    expect(first.products).toHaveLength(PAGE_SIZE);
    expect(titles(first.products)).toEqual(allTitles.slice(0, PAGE_SIZE));
    expect(first.previousCursor).toBeNull();
    expect(first.nextCursor).toEqual(expect.any(String));

    const second = await browse({}, { after: first.nextCursor });
    expect(titles(second.products)).toEqual(allTitles.slice(PAGE_SIZE));
    expect(second.nextCursor).toBeNull();
    expect(second.previousCursor).toEqual(expect.any(String));

    const back = await browse({}, { before: second.previousCursor });
    expect(titles(back.products)).toEqual(titles(first.products));
    expect(back.previousCursor).toBeNull();
  });

  it("gives each product a CDN thumbnail, its image count and status", async () => {
    const page = await browse({ text: "Zz" });
    const mug = page.products.find((product) => product.id === made.white)!;
    expect(mug).toMatchObject({
      title: "Zz White Mug",
      status: "ACTIVE",
      productType: "Studio Test",
      vendor: "Photo Studio Tests",
      imageCount: 1,
      moreImages: false,
      smallImageCount: 0,
      hasWhiteBackground: null,
    });
    const thumbnail = new URL(mug.thumbnail!.url);
    expect(thumbnail.searchParams.get("width")).toBe("120");
    const response = await fetch(thumbnail);
    expect(response.status).toBe(200);
    const { width, height } = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect(Math.max(width!, height!)).toBeLessThanOrEqual(120);

    const empty = page.products.find((product) => product.id === made.empty)!;
    expect(empty).toMatchObject({ thumbnail: null, imageCount: 0 });
  });

  it("searches by text", async () => {
    const page = await browse({ text: "camera" });
    const expected = readCatalog()
      .slice(0, SEEDED)
      .filter((entry) => /camera/i.test(`${entry.title} ${entry.productType}`))
      .map((entry) => entry.title)
      .sort(byTitle);
    expect(expected.length).toBeGreaterThan(2);
    expect(titles(page.products)).toEqual(expected);
  });

  it("filters by vendor, product type and status with Shopify's search", async () => {
    const zz = ["Zz Empty Shelf", "Zz Grey Lamp", "Zz Tiny Badge", "Zz White Mug"];
    expect(titles((await browse({ vendor: "Photo Studio Tests" })).products)).toEqual(zz);
    expect(titles((await browse({ productType: "Studio Test" })).products)).toEqual(zz);
    expect(titles((await browse({ status: "draft" })).products)).toEqual(["Zz Tiny Badge"]);
    expect(titles((await browse({ status: "archived" })).products)).toEqual(["Tripod"]);
    expect((await browse({ status: "active" })).products).toHaveLength(PAGE_SIZE);

    const seededVendor = readCatalog()[0]!.vendor;
    const byVendor = await browse({ vendor: seededVendor, status: "active" });
    expect(byVendor.products.length).toBeGreaterThan(0);
    expect(byVendor.products.every((product) => product.vendor === seededVendor)).toBe(true);
  });

  it("writes filters as Shopify search terms, quoting values", () => {
    expect(
      productSearchQuery({
        text: " red mug ",
        productType: 'Mugs "large"',
        vendor: "Acme Co",
        status: "draft",
      }),
    ).toBe('red mug product_type:"Mugs  large" vendor:"Acme Co" status:draft');
    expect(productSearchQuery({ noWhiteBackground: true })).toBe("");
  });

  it("finds the products with images under 1000 px", async () => {
    const page = await browse({ smallImages: true });
    expect(titles(page.products)).toEqual(["Zz Tiny Badge"]);
    expect(page.products[0]!.smallImageCount).toBe(1);
    expect(page).toMatchObject({ scanned: SEEDED + 4, scanLimited: false, nextCursor: null });
  });

  it("finds the products none of whose images has a white background, looking at their pixels", async () => {
    const page = await browse({ noWhiteBackground: true, vendor: "Photo Studio Tests" });
    // The empty product has nothing to edit; the mug and the badge are on white.
    expect(titles(page.products)).toEqual(["Zz Grey Lamp"]);
    expect(page.products[0]!.hasWhiteBackground).toBe(false);

    const facts = await db.imageFacts.findMany({ where: { shop: TEST_SHOP } });
    expect(Object.fromEntries(facts.map((fact) => [fact.productId, fact.whiteBackground]))).toEqual(
      { [made.white]: true, [made.grey]: false, [made.small]: true },
    );
  });

  it("tells the seeded photos on white from the others", async () => {
    const page = await browse({ noWhiteBackground: true, status: "active" }, {}, {});
    const all = [...page.products];
    let next = page.nextCursor;
    while (next) {
      const more = await browse({ noWhiteBackground: true, status: "active" }, { after: next });
      all.push(...more.products);
      next = more.nextCursor;
    }
    const found = titles(all);
    // Real product photos: the cable and the running shoe were shot on white, the rest were not.
    expect(found).not.toContain("Ethernet Cable");
    expect(found).not.toContain("Freerun Running Shoe");
    expect(found).toContain("Tennis Ball");
    expect(found).toContain("Laptop");
    expect(found).toHaveLength(SEEDED - 1 /* archived */ - 2 /* on white */ + 1 /* grey lamp */);
    expect(page.unchecked).toBe(0);

    // Back from the second page: the same first page, found by reading backwards.
    const second = await browse(
      { noWhiteBackground: true, status: "active" },
      {
        after: page.nextCursor,
      },
    );
    expect(second.previousCursor).toEqual(expect.any(String));
    const back = await browse(
      { noWhiteBackground: true, status: "active" },
      {
        before: second.previousCursor,
      },
    );
    expect(titles(back.products)).toEqual(titles(page.products));
  });

  it("says when the image filters stopped at the scan limit, and reads on from there", async () => {
    const limited = await browse({ smallImages: true }, {}, { scanLimit: 10 });
    expect(limited.products).toEqual([]);
    expect(limited).toMatchObject({ scanned: PAGE_SIZE, scanLimited: true });
    expect(limited.nextCursor).toEqual(expect.any(String));

    const rest = await browse(
      { smallImages: true },
      { after: limited.nextCursor },
      { scanLimit: 10 },
    );
    expect(titles(rest.products)).toEqual(["Zz Tiny Badge"]);
    expect(rest).toMatchObject({ scanned: SEEDED + 4 - PAGE_SIZE, scanLimited: false });
    expect(rest.nextCursor).toBeNull();
  });

  it("reads products by id, leaving out what is not a product of this shop", async () => {
    const products = await productsByIds(admin, [
      made.grey,
      foreignProductId,
      "gid://shopify/Product/987654321",
      made.white,
    ]);
    expect(products.map((product) => product.id)).toEqual([made.grey, made.white]);
  });

  it("counts the products a search matches", async () => {
    expect(await countProducts(admin, "")).toEqual({ count: SEEDED + 4, exact: true });
    expect(await countProducts(admin, 'vendor:"Photo Studio Tests"')).toEqual({
      count: 4,
      exact: true,
    });
  });

  it("lists the shop's vendors and product types for the filters", async () => {
    const facets = await productFacets(admin);
    expect(facets.vendors).toContain("Photo Studio Tests");
    expect(facets.productTypes).toContain("Studio Test");
    expect(facets.vendors).toEqual([...facets.vendors].sort(byTitle));
  });
});
