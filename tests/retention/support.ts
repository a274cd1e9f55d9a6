import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import type { PrismaClient } from "@prisma/client";

import { refreshJobSummary } from "~/jobs/states";
import { createJob } from "~/models/job.server";
import { itemPrefix, originalKey, variantKey } from "~/storage/keys";
import { createLocalDiskStorage } from "~/storage/local-disk.server";
import type { ObjectStorage } from "~/storage/object-storage.server";
import { renditionKey } from "~/storage/thumbnails.server";

export const DAY = 86_400_000;

/** Real local-disk storage in a fresh temporary folder. */
export function tempStorage(): { storage: ObjectStorage; root: string; drop: () => void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-retention-"));
  return {
    storage: createLocalDiskStorage(root),
    root,
    drop: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

let counter = 0;
export function newShop(label: string) {
  counter += 1;
  return `${label}-${process.pid}-${Date.now().toString(36)}-${counter}.myshopify.com`;
}

export interface StoredItemSpec {
  productId?: string;
  status: string;
  createdAt: Date;
  variant?: { review: string; createdAt: Date; reviewedAt?: Date | null; mask?: boolean };
  writeBack?: { state: string; writtenAt: Date | null };
}

async function putImage(storage: ObjectStorage, key: string) {
  await storage.put(key, Buffer.from(`bytes of ${key}`), { contentType: "image/png" });
  // A thumbnail made by a page view, stored beside the object.
  await storage.put(renditionKey(key, "thumb"), Buffer.from("thumb"), {
    contentType: "image/webp",
  });
}

/**
 * A job whose items have stored originals (with a thumbnail each) and, on request, a result (with
 * a thumbnail and a mask) and a write-back, at the given times: what the purge and delete-now see.
 */
export async function storedJob(
  db: PrismaClient,
  storage: ObjectStorage,
  shop: string,
  specs: StoredItemSpec[],
) {
  const job = await createJob(db, shop, {
    recipe: { preset: "amazon" },
    images: specs.map((spec, index) => ({
      productId: spec.productId ?? `gid://shopify/Product/${index + 1}`,
      mediaId: `gid://shopify/MediaImage/${index}${Math.random().toString(36).slice(2, 8)}`,
    })),
  });
  const rows = await db.jobItem.findMany({
    where: { shop, jobId: job.id },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  const items = [];
  for (const [index, row] of rows.entries()) {
    const spec = specs[index]!;
    const original = originalKey(shop, job.id, row.id, "jpg");
    await putImage(storage, original);
    await db.jobItem.update({
      where: { id: row.id },
      data: {
        status: spec.status,
        createdAt: spec.createdAt,
        originalKey: original,
        productTitle: `Product ${index + 1}`,
      },
    });
    let variant = null;
    if (spec.variant) {
      const storageKey = variantKey(shop, job.id, row.id, `result${index}`, "png");
      await putImage(storage, storageKey);
      const maskKey = spec.variant.mask
        ? `${itemPrefix(shop, job.id, row.id)}masks/erase-1.png`
        : null;
      if (maskKey) await storage.put(maskKey, Buffer.from("mask"), { contentType: "image/png" });
      variant = await db.variant.create({
        data: {
          shop,
          jobItemId: row.id,
          storageKey,
          maskKey,
          width: 10,
          height: 10,
          format: "png",
          review: spec.variant.review,
          createdAt: spec.variant.createdAt,
          reviewedAt: spec.variant.reviewedAt ?? null,
        },
      });
      if (spec.writeBack) {
        await db.writeBack.create({
          data: {
            shop,
            jobItemId: row.id,
            variantId: variant.id,
            productId: row.productId,
            originalMediaId: row.mediaId,
            mode: "replace",
            state: spec.writeBack.state,
            writtenAt: spec.writeBack.writtenAt,
          },
        });
      }
    }
    items.push({ ...row, originalKey: original, variant });
  }
  await db.$transaction((tx) => refreshJobSummary(tx, shop, job.id));
  return { job, items };
}

export async function setRetention(
  db: PrismaClient,
  shop: string,
  retentionDays: number,
  resultRetentionDays: number,
) {
  await db.shopSettings.upsert({
    where: { shop },
    create: { shop, retentionDays, resultRetentionDays },
    update: { retentionDays, resultRetentionDays },
  });
}
