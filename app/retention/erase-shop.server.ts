/**
 * Erasing a shop everywhere Photo Studio keeps something of it: its queue entries, its rows and its
 * files. shop/redact does it when Shopify asks (48 hours after uninstall); the hourly retention
 * run does it for a shop still uninstalled after ERASE_AFTER_UNINSTALL_DAYS, should that request
 * never come. Uninstalling also cancels the shop's unfinished jobs at once.
 */
import type { PrismaClient } from "@prisma/client";

import { AUTOMATION_QUEUE } from "../automation/auto-process.server.ts";
import { QUEUES, type JobDeps } from "../jobs/deps.server.ts";
import type { JobQueue } from "../jobs/queue/types.ts";
import { cancelJob } from "../jobs/review.server.ts";
import { eraseShop } from "../models/shop.server.ts";
import { NOTIFICATION_QUEUE } from "../notifications/delivery.server.ts";
import { shopPrefix } from "../storage/keys.ts";
import type { ObjectStorage } from "../storage/object-storage.server.ts";

/** Shopify sends shop/redact 48 hours after uninstall; this leaves it three more days to come. */
export const ERASE_AFTER_UNINSTALL_DAYS = 5;
const DAY_MS = 86_400_000;

export interface EraseDeps {
  db: PrismaClient;
  storage: ObjectStorage;
  queue: Pick<JobQueue, "purgeShop">;
}

export async function eraseShopEverywhere(deps: EraseDeps, shop: string) {
  // Queue entries first: a task left waiting would run after the erasure and could write the
  // shop's files again. In Redis (BullMQ) they are outside the database eraseShop clears.
  await deps.queue.purgeShop(shop, [...Object.values(QUEUES), ...AUTOMATION_QUEUES]);
  await eraseAutomationRows(deps.db, shop);
  // The catalog health history and alt-text runs (app/catalog-audit) hold product ids.
  await deps.db.$transaction([
    deps.db.catalogAuditRun.deleteMany({ where: { shop } }),
    deps.db.altTextFillRun.deleteMany({ where: { shop } }),
  ]);
  const erased = await eraseShop(deps.db, shop);
  // Files after rows: a crash in between leaves files without rows, and a retry (Shopify's, or
  // the next hourly run) removes them; the other order could leave rows pointing at nothing.
  await deps.storage.deletePrefix(shopPrefix(shop));
  return erased;
}

/** Automation's and notifications' queues, beside the job steps'. */
const AUTOMATION_QUEUES = [AUTOMATION_QUEUE, NOTIFICATION_QUEUE];

/** What automation and notifications keep of a shop: its deliveries, claims and notifications. */
async function eraseAutomationRows(db: PrismaClient, shop: string) {
  await db.$transaction([
    db.automationEvent.deleteMany({ where: { shop } }),
    db.autoProcessedMedia.deleteMany({ where: { shop } }),
    db.notification.deleteMany({ where: { shop } }),
  ]);
}

/** Erases the shops uninstalled long enough ago and not installed again; answers which. */
export async function eraseLongUninstalledShops(deps: EraseDeps, now: Date = new Date()) {
  const gone = await deps.db.shop.findMany({
    where: { uninstalledAt: { lt: new Date(now.getTime() - ERASE_AFTER_UNINSTALL_DAYS * DAY_MS) } },
    select: { shop: true },
  });
  for (const { shop } of gone) await eraseShopEverywhere(deps, shop);
  return gone.map((row) => row.shop);
}

/** The merchant uninstalled: nothing more runs for the shop (no step, no charge). */
export async function cancelUnfinishedJobs(deps: Pick<JobDeps, "db" | "queue">, shop: string) {
  const open = await deps.db.job.findMany({
    where: { shop, canceledAt: null, status: { notIn: ["completed", "failed", "canceled"] } },
    select: { id: true },
  });
  for (const job of open) await cancelJob(deps, shop, job.id);
  return open.length;
}
