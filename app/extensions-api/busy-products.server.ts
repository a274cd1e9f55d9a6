/**
 * Which of the given products a Photo Studio job is still working on. Two jobs on one product
 * would each write their result over the other's, and the second review would show images the
 * first one already replaced, so a new job waits until the earlier one is finished or canceled.
 */
import type { PrismaClient } from "@prisma/client";

import type { ItemState } from "../jobs/states.ts";

/** Items that will still change the product: not yet generated, awaiting review, or being written. */
const UNSETTLED: readonly ItemState[] = [
  "queued",
  "processing",
  "ready_for_review",
  "approved",
  "writing",
];

export interface BusyProduct {
  productId: string;
  productTitle: string;
  jobId: string;
}

export async function busyProducts(
  db: PrismaClient,
  shop: string,
  productIds: string[],
): Promise<BusyProduct[]> {
  const wanted = new Set(productIds);
  const busy = new Map<string, BusyProduct>();
  const items = await db.jobItem.findMany({
    where: {
      shop,
      productId: { in: productIds },
      status: { in: [...UNSETTLED] },
      job: { canceledAt: null },
    },
    select: { productId: true, productTitle: true, jobId: true },
    orderBy: { createdAt: "asc" },
  });
  for (const item of items) {
    if (!busy.has(item.productId)) busy.set(item.productId, item);
  }
  // A job whose intake has not run yet has no items: its selection says which products it holds.
  // Search-query selections are resolved only by intake and cannot be matched here.
  const pending = await db.job.findMany({
    where: { shop, intake: "pending", canceledAt: null },
    select: { id: true, selection: true },
    orderBy: { createdAt: "asc" },
  });
  for (const job of pending) {
    for (const productId of selectedProductIds(job.selection)) {
      if (wanted.has(productId) && !busy.has(productId)) {
        busy.set(productId, { productId, productTitle: "", jobId: job.id });
      }
    }
  }
  return productIds.flatMap((id) => busy.get(id) ?? []);
}

function selectedProductIds(selection: string): string[] {
  try {
    const parsed = JSON.parse(selection) as { productIds?: unknown };
    return Array.isArray(parsed.productIds)
      ? parsed.productIds.filter((id): id is string => typeof id === "string")
      : [];
  } catch {
    return [];
  }
}
