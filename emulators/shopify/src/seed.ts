/**
 * The demo catalog: 54 real product photos (Unsplash licence, photographer in each file name and in
 * catalog.json's photoCredit) with titles, types, vendors and prices, loaded into a shop as products
 * with one READY image each, the way a merchant's store looks before Photo Studio.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import sharp from "sharp";

import type { StateStore, ShopRecord } from "./state.ts";

export const CATALOG_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "catalog");

export interface CatalogEntry {
  title: string;
  handle: string;
  productType: string;
  vendor: string;
  price: string;
  image: string;
  photoCredit: string;
}

export function readCatalog(): CatalogEntry[] {
  return JSON.parse(
    fs.readFileSync(path.join(CATALOG_DIR, "catalog.json"), "utf8"),
  ) as CatalogEntry[];
}

/** Adds the catalog's products (or the first `limit`) to the shop; does nothing if it has products. */
export async function seedCatalog(store: StateStore, shop: ShopRecord, limit?: number) {
  if (shop.products.length > 0) return 0;
  const entries = readCatalog().slice(0, limit);
  const createdAt = new Date(Date.now() - 30 * 86_400_000).toISOString();
  for (const entry of entries) {
    const bytes = fs.readFileSync(path.join(CATALOG_DIR, entry.image));
    const metadata = await sharp(bytes).metadata();
    const blobKey = `${randomBytes(12).toString("hex")}.jpg`;
    store.writeBlob(blobKey, bytes);
    const fileId = store.nextId();
    const productId = store.nextId();
    shop.files.push({
      id: fileId,
      kind: "MediaImage",
      filename: entry.image,
      alt: entry.title,
      mimeType: "image/jpeg",
      blobKey,
      byteSize: bytes.length,
      width: metadata.width ?? null,
      height: metadata.height ?? null,
      status: "READY",
      readyAt: createdAt,
      errors: [],
      productIds: [productId],
      version: 1,
      createdAt,
      updatedAt: createdAt,
    });
    shop.products.push({
      id: productId,
      title: entry.title,
      handle: entry.handle,
      descriptionHtml: `<p>${entry.title}${entry.vendor ? ` by ${entry.vendor}` : ""}. Photo: ${entry.photoCredit}.</p>`,
      productType: entry.productType,
      // Shopify fills a product without a vendor with the shop's name; so does the dev store.
      vendor: entry.vendor || shop.name,
      status: "ACTIVE",
      tags: [],
      createdAt,
      updatedAt: createdAt,
      mediaIds: [fileId],
      variants: [
        {
          id: store.nextId(),
          title: "Default Title",
          price: entry.price,
          sku: entry.handle.toUpperCase(),
          position: 1,
          mediaIds: [],
        },
      ],
    });
  }
  store.changed();
  return entries.length;
}
