/**
 * Transient uploads: files the merchant sends that serve one piece of work and nothing after it.
 * Today that is the magic eraser's mask (`<item>/masks/erase-<round>.png`, Variant.maskKey): read
 * once by its erase round, never shown again. It goes TRANSIENT_UPLOAD_HOURS after it was drawn,
 * whether the round made a result (the variant keeps its image, its maskKey becomes null) or
 * failed and left the mask behind with no row pointing at it. Masks of an item in flight stay:
 * a round may still be reading them.
 */
import type { PrismaClient } from "@prisma/client";

import { itemPrefix } from "../storage/keys.ts";
import type { ObjectStorage } from "../storage/object-storage.server.ts";

import { deleteStoredImage, IN_FLIGHT_STATES } from "./stored-files.server.ts";

export const TRANSIENT_UPLOAD_HOURS = 24;
const HOUR_MS = 3_600_000;
/**
 * How far back the hourly run looks for items whose masks may be left: a week past the 24 hours,
 * so a week of downtime still loses nothing. A mask older than that lives until its job's
 * ordinary retention or deletion removes the item's files.
 */
const LOOKBACK_MS = 7 * 24 * HOUR_MS;
const BATCH = 200;

export interface TransientDeps {
  db: PrismaClient;
  storage: ObjectStorage;
}

/** Deletes every mask older than 24 hours outside items in flight; answers how many went. */
export async function purgeTransientUploads(deps: TransientDeps, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - TRANSIENT_UPLOAD_HOURS * HOUR_MS);
  let purged = 0;
  let after = "";
  for (;;) {
    // An erase round touches its item when it ends, so the items updated since the lookback
    // began hold every mask that can still be due.
    const items = await deps.db.jobItem.findMany({
      where: {
        id: { gt: after },
        status: { notIn: [...IN_FLIGHT_STATES] },
        updatedAt: { gte: new Date(cutoff.getTime() - LOOKBACK_MS) },
      },
      select: { id: true, shop: true, jobId: true },
      orderBy: { id: "asc" },
      take: BATCH,
    });
    if (items.length === 0) return purged;
    for (const item of items) {
      purged += await purgeItemMasks(deps, item, cutoff);
      after = item.id;
    }
  }
}

async function purgeItemMasks(
  deps: TransientDeps,
  item: { id: string; shop: string; jobId: string },
  cutoff: Date,
) {
  const masks = await deps.storage.list(`${itemPrefix(item.shop, item.jobId, item.id)}masks/`);
  const due = masks.filter((mask) => mask.modifiedAt < cutoff).map((mask) => mask.key);
  for (const key of due) await deleteStoredImage(deps.storage, item.shop, key);
  if (due.length > 0) {
    await deps.db.variant.updateMany({
      where: { shop: item.shop, jobItemId: item.id, maskKey: { in: due } },
      data: { maskKey: null },
    });
  }
  return due.length;
}
