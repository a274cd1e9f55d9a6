/**
 * The retention purge: files are deleted when the shop's retention settings say so, and the rows
 * are marked so the pages can say "expired" instead of showing a broken image.
 *
 * When a file is due (days are the shop's settings, app/settings/shop-settings.server.ts):
 * - a source image (JobItem.originalKey): `retentionDays` after it was downloaded. If its result
 *   was written to the store, the clock starts at the write instead: restoring needs the
 *   original, so a write can be restored for `retentionDays` after it was made, and not after.
 * - a rejected or never reviewed result: `retentionDays` after it was made;
 * - an approved result: `resultRetentionDays` after it was approved.
 * Nothing of an item still in flight (queued, processing, approved, writing) is touched, nor
 * anything of a product whose write lock is held (a write or a restore is running).
 *
 * Marks: a purged source sets `originalKey` to null; a purged result gets `review = "expired"`
 * and an "expired" note. No schema change: readers treat a null original of a generated item and
 * an "expired" review as "deleted under the retention setting".
 *
 * Files go first, then the row, guarded by what was seen: a crash in between leaves a row that
 * the next run finds again (deleting is idempotent), and two runs at once both delete but only
 * one wins each row, so counts (and the one audit record per shop and run) never double up.
 */
import { hostname } from "node:os";

import type { PrismaClient } from "@prisma/client";

import { pruneAutomationEvents } from "../automation/product-events.server.ts";
import { purgeAuditEvents, recordAudit } from "../audit/audit.server.ts";
import { getEnv } from "../env.server.ts";
import { startLeasedSchedule } from "../jobs/schedule-lease.server.ts";
import { logger } from "../observability/logger.server.ts";
import { pruneRequestLogs } from "../observability/request-log.server.ts";
import { getShopSettings } from "../settings/shop-settings.server.ts";
import type { JobQueue } from "../jobs/queue/types.ts";
import type { ObjectStorage } from "../storage/object-storage.server.ts";

import { eraseLongUninstalledShops } from "./erase-shop.server.ts";
import { deleteStoredImage, IN_FLIGHT_STATES } from "./stored-files.server.ts";
import { purgeTransientUploads } from "./transient.server.ts";

export interface RetentionDeps {
  db: PrismaClient;
  storage: ObjectStorage;
  /** With a queue, shops uninstalled long ago are erased too (erase-shop.server.ts). */
  queue?: Pick<JobQueue, "purgeShop">;
  /** LOG_DIR: the request log's daily files, kept REQUEST_LOG_RETENTION_DAYS days. */
  requestLogDir?: string;
}

export const EXPIRED_NOTE_CODE = "expired";
/** The retention purge's ScheduleLease row. */
export const RETENTION_SCHEDULE = "retention-purge";
const DAY_MS = 86_400_000;
const BATCH = 200;

export interface ShopPurge {
  shop: string;
  sources: number;
  results: number;
  approvedResults: number;
}

export interface PurgeReport {
  shops: ShopPurge[];
  auditEventsPurged: number;
  /** Product webhook records past Shopify's retry window (app/automation). */
  automationEventsPurged: number;
  requestLogsPruned: number;
  /** Eraser masks and other transient uploads, gone 24 hours after upload (transient.server.ts). */
  transientUploadsPurged: number;
  /** Shops still uninstalled ERASE_AFTER_UNINSTALL_DAYS after uninstall, erased everywhere. */
  shopsErased?: string[];
  failures: Array<{ shop: string; message: string }>;
}

function expiredNotes(notes: string, days: number) {
  let list: unknown[] = [];
  try {
    const parsed = JSON.parse(notes) as unknown;
    if (Array.isArray(parsed)) list = parsed;
  } catch {
    // A damaged notes column is replaced by the expiry note alone.
  }
  return JSON.stringify([
    ...list,
    {
      code: EXPIRED_NOTE_CODE,
      message: `Deleted after ${days} day${days === 1 ? "" : "s"}, as your retention setting says.`,
    },
  ]);
}

async function lockedProducts(db: PrismaClient, shop: string, now: Date) {
  const locks = await db.productWriteLock.findMany({
    where: { shop, expiresAt: { gte: now } },
    select: { productId: true },
  });
  return locks.map((lock) => lock.productId);
}

async function purgeSources(deps: RetentionDeps, shop: string, days: number, now: Date) {
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const locked = await lockedProducts(deps.db, shop, now);
  let purged = 0;
  const skip = new Set<string>();
  for (;;) {
    const items = await deps.db.jobItem.findMany({
      where: {
        shop,
        originalKey: { not: null },
        status: { notIn: [...IN_FLIGHT_STATES] },
        createdAt: { lt: cutoff },
        productId: { notIn: locked },
        // Still restorable: written inside the window.
        writeBacks: { none: { state: "written", writtenAt: { gte: cutoff } } },
        id: { notIn: [...skip] },
      },
      select: { id: true, originalKey: true },
      orderBy: { id: "asc" },
      take: BATCH,
    });
    if (items.length === 0) return purged;
    for (const item of items) {
      skip.add(item.id);
      await deleteStoredImage(deps.storage, shop, item.originalKey!);
      const { count } = await deps.db.jobItem.updateMany({
        where: {
          id: item.id,
          shop,
          originalKey: item.originalKey,
          status: { notIn: [...IN_FLIGHT_STATES] },
        },
        data: { originalKey: null },
      });
      purged += count;
    }
  }
}

async function purgeVariants(
  deps: RetentionDeps,
  shop: string,
  review: "approved" | "unapproved",
  days: number,
  now: Date,
) {
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const age =
    review === "approved"
      ? {
          review: "approved",
          OR: [{ reviewedAt: { lt: cutoff } }, { reviewedAt: null, createdAt: { lt: cutoff } }],
        }
      : { review: { in: ["pending", "rejected"] }, createdAt: { lt: cutoff } };
  const locked = await lockedProducts(deps.db, shop, now);
  let purged = 0;
  const skip = new Set<string>();
  for (;;) {
    const variants = await deps.db.variant.findMany({
      where: {
        shop,
        ...age,
        jobItem: { status: { notIn: [...IN_FLIGHT_STATES] }, productId: { notIn: locked } },
        id: { notIn: [...skip] },
      },
      select: { id: true, storageKey: true, maskKey: true, review: true, notes: true },
      orderBy: { id: "asc" },
      take: BATCH,
    });
    if (variants.length === 0) return purged;
    for (const variant of variants) {
      skip.add(variant.id);
      await deleteStoredImage(deps.storage, shop, variant.storageKey);
      if (variant.maskKey) await deleteStoredImage(deps.storage, shop, variant.maskKey);
      const { count } = await deps.db.variant.updateMany({
        where: { id: variant.id, shop, review: variant.review },
        data: { review: "expired", notes: expiredNotes(variant.notes, days) },
      });
      purged += count;
    }
  }
}

/** Purges one shop by its own settings, and records what went (when anything did). */
export async function purgeShop(deps: RetentionDeps, shop: string, now: Date): Promise<ShopPurge> {
  const settings = await getShopSettings(deps.db, shop);
  const sources = await purgeSources(deps, shop, settings.retentionDays, now);
  const results = await purgeVariants(deps, shop, "unapproved", settings.retentionDays, now);
  const approvedResults = await purgeVariants(
    deps,
    shop,
    "approved",
    settings.resultRetentionDays,
    now,
  );
  if (sources + results + approvedResults > 0) {
    await recordAudit(
      deps.db,
      shop,
      {
        action: "retention.purged",
        actor: "system",
        details: {
          sources,
          results,
          approvedResults,
          retentionDays: settings.retentionDays,
          resultRetentionDays: settings.resultRetentionDays,
        },
      },
      now,
    );
  }
  return { shop, sources, results, approvedResults };
}

/**
 * One run over every shop with stored files, and over the audit log. A shop whose storage fails
 * is reported and left for the next run; the others go on.
 */
export async function purgeExpired(
  deps: RetentionDeps,
  now: Date = new Date(),
): Promise<PurgeReport> {
  const [withSources, withVariants] = await Promise.all([
    deps.db.jobItem.findMany({
      where: { originalKey: { not: null } },
      distinct: ["shop"],
      select: { shop: true },
    }),
    deps.db.variant.findMany({
      where: { review: { not: "expired" } },
      distinct: ["shop"],
      select: { shop: true },
    }),
  ]);
  const shops = [...new Set([...withSources, ...withVariants].map((row) => row.shop))].sort();
  const report: PurgeReport = {
    shops: [],
    auditEventsPurged: 0,
    automationEventsPurged: 0,
    requestLogsPruned: 0,
    transientUploadsPurged: 0,
    failures: [],
  };
  for (const shop of shops) {
    try {
      report.shops.push(await purgeShop(deps, shop, now));
    } catch (error) {
      report.failures.push({
        shop,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  report.transientUploadsPurged = await purgeTransientUploads(deps, now);
  if (deps.queue) {
    report.shopsErased = await eraseLongUninstalledShops({ ...deps, queue: deps.queue }, now);
  }
  report.auditEventsPurged = await purgeAuditEvents(deps.db, now);
  report.automationEventsPurged = await pruneAutomationEvents(deps.db, now);
  if (deps.requestLogDir) {
    report.requestLogsPruned = await pruneRequestLogs(deps.requestLogDir, now);
  }
  return report;
}

export interface RetentionSchedule {
  stop(): void;
  /** The run in progress, if any (tests and shutdown wait for it). */
  running(): Promise<void>;
}

/**
 * Runs the purge once per `everyMs` period across every process (a `ScheduleLease`, see
 * app/jobs/schedule-lease.server.ts): each process checks `firstRunMs` after start and then every
 * minute (or `everyMs`, if shorter) whether this period's run is due, and one of them runs it. A
 * process that dies mid-run holds the period only until its lease expires; then another takes it.
 */
export function startRetentionSchedule(
  deps: RetentionDeps,
  {
    everyMs = 60 * 60_000,
    firstRunMs = 30_000,
    now = () => new Date(),
    holder = `${hostname()}:${process.pid}`,
    onReport = () => {},
    onError = (error: unknown) => logger.error("retention purge failed", { error }),
  }: {
    everyMs?: number;
    firstRunMs?: number;
    now?: () => Date;
    /** Names this process in the lease (for support). */
    holder?: string;
    onReport?: (report: PurgeReport) => void;
    onError?: (error: unknown) => void;
  } = {},
): RetentionSchedule {
  return startLeasedSchedule(deps.db, {
    name: RETENTION_SCHEDULE,
    periodMs: everyMs,
    holder,
    firstCheckMs: firstRunMs,
    checkEveryMs: Math.min(everyMs, 60_000),
    // The request log's files live on this host too (LOG_DIR), unless the caller says otherwise.
    run: async () =>
      onReport(await purgeExpired({ requestLogDir: getEnv().logDir, ...deps }, now())),
    onError,
  });
}
