/**
 * A job's progress as the review page shows it: items per state, throughput over the last
 * minutes, an ETA for what is still queued or running, and each failed item with its reason.
 */
import type { PrismaClient } from "@prisma/client";

import { ITEM_STATES, isItemState, type ItemState } from "./states.ts";

/** Throughput is measured over this window: recent enough to follow a slowdown, long enough to
 * be steady. */
const WINDOW_MS = 5 * 60 * 1000;
const ERRORS_SHOWN = 50;

export interface JobProgress {
  jobId: string;
  status: string;
  intake: string;
  intakeError: string | null;
  /** Why intake stopped or waits (e.g. "insufficient_credits", "usage_cap_reached"). */
  intakeErrorCode: string | null;
  total: number;
  counts: Record<ItemState, number>;
  /** Items that finished a step per minute, over the last few minutes. */
  itemsPerMinute: number;
  /** Seconds until every queued or running item is generated, or null when nothing tells yet. */
  etaSeconds: number | null;
  errors: Array<{ itemId: string; productId: string; code: string | null; message: string }>;
  skipped: Array<{ productId: string; mediaId?: string; reason: string }>;
}

export async function jobProgress(
  db: PrismaClient,
  shop: string,
  jobId: string,
  now = new Date(),
): Promise<JobProgress | null> {
  const job = await db.job.findFirst({ where: { id: jobId, shop } });
  if (!job) return null;
  const [groups, recent, failed] = await Promise.all([
    db.jobItem.groupBy({ by: ["status"], where: { shop, jobId }, _count: { _all: true } }),
    // finishedAt is the end of an item's latest step (generated, failed, written...).
    db.jobItem.count({
      where: { shop, jobId, finishedAt: { gte: new Date(now.getTime() - WINDOW_MS) } },
    }),
    db.jobItem.findMany({
      where: { shop, jobId, status: "failed" },
      orderBy: { updatedAt: "desc" },
      take: ERRORS_SHOWN,
      select: { id: true, productId: true, errorCode: true, lastError: true },
    }),
  ]);
  const counts = Object.fromEntries(ITEM_STATES.map((state) => [state, 0])) as Record<
    ItemState,
    number
  >;
  for (const group of groups) {
    if (isItemState(group.status)) counts[group.status] = group._count._all;
  }
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const elapsedMs = Math.min(WINDOW_MS, now.getTime() - job.createdAt.getTime());
  const itemsPerMinute = elapsedMs > 0 ? (recent / elapsedMs) * 60_000 : 0;
  const remaining = counts.queued + counts.processing;
  return {
    jobId: job.id,
    status: job.status,
    intake: job.intake,
    intakeError: job.intakeError,
    intakeErrorCode: job.intakeErrorCode,
    total,
    counts,
    itemsPerMinute: Math.round(itemsPerMinute * 10) / 10,
    etaSeconds:
      remaining === 0
        ? 0
        : itemsPerMinute > 0
          ? Math.ceil((remaining / itemsPerMinute) * 60)
          : null,
    errors: failed.map((item) => ({
      itemId: item.id,
      productId: item.productId,
      code: item.errorCode,
      message: item.lastError ?? "Failed",
    })),
    skipped: JSON.parse(job.skipped) as JobProgress["skipped"],
  };
}
