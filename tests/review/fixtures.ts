import type { PrismaClient } from "@prisma/client";

import { createJob } from "~/models/job.server";
import { refreshJobSummary } from "~/jobs/states";
import { originalKey, variantKey } from "~/storage/keys";

export interface ItemSpec {
  productId?: string;
  productTitle?: string;
  status?: string;
  /** Give the item a result of this size. */
  variant?: {
    width: number;
    height: number;
    review?: string;
    notes?: Array<{ code: string; message: string }>;
  };
  errorCode?: string;
  lastError?: string;
  /** Record a write-back of the item's result in this state. */
  writeBack?: { state: string; writtenAt?: Date; restoredAt?: Date };
}

/**
 * A job with items in the given states, each with its stored original and, on request, a result
 * and a write-back: what the review and history pages read, without running the workers.
 */
export async function jobWithItems(
  db: PrismaClient,
  shop: string,
  items: ItemSpec[],
  recipe: unknown = { preset: "amazon" },
) {
  const job = await createJob(db, shop, {
    recipe,
    images: items.map((item, index) => ({
      productId: item.productId ?? `gid://shopify/Product/${index + 1}`,
      mediaId: `gid://shopify/MediaImage/${index + 100}-${Math.random().toString(36).slice(2, 8)}`,
    })),
  });
  const rows = await db.jobItem.findMany({
    where: { shop, jobId: job.id },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  const created = [];
  for (const [index, row] of rows.entries()) {
    const spec = items[index]!;
    await db.jobItem.update({
      where: { id: row.id },
      data: {
        productTitle: spec.productTitle ?? `Product ${index + 1}`,
        status: spec.status ?? "queued",
        originalKey: originalKey(shop, job.id, row.id, "jpg"),
        errorCode: spec.errorCode ?? null,
        lastError: spec.lastError ?? null,
      },
    });
    let variantId: string | null = null;
    if (spec.variant) {
      const variant = await db.variant.create({
        data: {
          shop,
          jobItemId: row.id,
          storageKey: variantKey(shop, job.id, row.id, `v${index}`, "png"),
          width: spec.variant.width,
          height: spec.variant.height,
          format: "png",
          review: spec.variant.review ?? "pending",
          notes: JSON.stringify(spec.variant.notes ?? []),
        },
      });
      variantId = variant.id;
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
            writtenAt: spec.writeBack.writtenAt ?? new Date(),
            restoredAt: spec.writeBack.restoredAt ?? null,
          },
        });
      }
    }
    created.push({ ...row, variantId });
  }
  await db.$transaction((tx) => refreshJobSummary(tx, shop, job.id));
  return { job, items: created };
}
