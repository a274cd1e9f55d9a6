import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import sharp from "sharp";

import { CATALOG_DIR, readCatalog } from "./seed.ts";
import type { ShopRecord, StateStore } from "./state.ts";

type Shop = ShopRecord;

export interface JobCatalogOptions {
  products: number;
  imagesPerProduct: number;
  /** Photos are scaled down to this longest side: the jobs tests measure the engine, not sharp. */
  maxSide?: number;
  /** The first this many products have PNG photos (a JPEG result then changes the format). */
  pngProducts?: number;
}

/**
 * A catalog of any size shaped like a real store's, for the job tests and `npm run bench:jobs`: products with several photos (the catalog's
 * real ones, cycled) and two variants each linked to a different photo, so write-back and restore
 * must carry order, alt text and variant links.
 */
export async function seedJobCatalog(
  store: StateStore,
  shop: Shop,
  { products, imagesPerProduct, maxSide = 640, pngProducts = 0 }: JobCatalogOptions,
) {
  const entries = readCatalog();
  const photos = await Promise.all(
    entries.map(async (entry) => {
      const { data, info } = await sharp(fs.readFileSync(path.join(CATALOG_DIR, entry.image)))
        .resize(maxSide, maxSide, { fit: "inside" })
        .jpeg({ quality: 85 })
        .toBuffer({ resolveWithObject: true });
      return { bytes: data, width: info.width, height: info.height };
    }),
  );
  const createdAt = new Date(Date.now() - 86_400_000).toISOString();
  let photoIndex = 0;
  for (let p = 0; p < products; p++) {
    const entry = entries[p % entries.length]!;
    const productId = store.nextId();
    const mediaIds: number[] = [];
    for (let i = 0; i < imagesPerProduct; i++) {
      const photo = photos[photoIndex++ % photos.length]!;
      const png = p < pngProducts;
      const bytes = png ? await sharp(photo.bytes).png().toBuffer() : photo.bytes;
      const extension = png ? "png" : "jpg";
      const blobKey = `${randomBytes(12).toString("hex")}.${extension}`;
      store.writeBlob(blobKey, bytes);
      const fileId = store.nextId();
      mediaIds.push(fileId);
      shop.files.push({
        id: fileId,
        kind: "MediaImage",
        filename: `${entry.handle}-${p}-${i}.${extension}`,
        alt: `${entry.title} ${p}, view ${i + 1}`,
        mimeType: png ? "image/png" : "image/jpeg",
        blobKey,
        byteSize: bytes.length,
        width: photo.width,
        height: photo.height,
        status: "READY",
        readyAt: createdAt,
        errors: [],
        productIds: [productId],
        version: 1,
        createdAt,
        updatedAt: createdAt,
      });
    }
    shop.products.push({
      id: productId,
      title: `${entry.title} ${p}`,
      handle: `${entry.handle}-${p}`,
      descriptionHtml: `<p>${entry.title}</p>`,
      productType: entry.productType,
      vendor: entry.vendor || shop.name,
      status: "ACTIVE",
      tags: [],
      createdAt,
      updatedAt: createdAt,
      mediaIds,
      variants: ["Small", "Large"].map((title, v) => ({
        id: store.nextId(),
        title,
        price: entry.price,
        sku: `${entry.handle}-${p}-${v}`.toUpperCase(),
        position: v + 1,
        mediaIds: [mediaIds[Math.min(v, mediaIds.length - 1)]!],
      })),
    });
  }
  store.changed();
}

/** What a product looks like, to compare before a job and after its restore. */
export function productLook(store: StateStore, shop: Shop, productId: number) {
  const product = shop.products.find((candidate) => candidate.id === productId)!;
  return {
    media: product.mediaIds.map((id) => {
      const file = shop.files.find((candidate) => candidate.id === id)!;
      const bytes = file.blobKey ? store.readBlob(file.blobKey) : null;
      return { id, alt: file.alt, bytes: bytes ? hash(bytes) : null };
    }),
    variants: product.variants.map((variant) => ({ id: variant.id, mediaIds: variant.mediaIds })),
  };
}

function hash(bytes: Buffer) {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
}
