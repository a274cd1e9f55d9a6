import type { Prisma, PrismaClient } from "@prisma/client";

import { noteJobOutcome } from "../notifications/job-notifications.server.ts";

import { settleItemCredits } from "./credits.server.ts";

/**
 * The life of one job item (one source image), as data: which states exist and which moves are
 * allowed. Workers, the review page and write-back all move items through `transition`, so a
 * refused move or a lost race surfaces as a typed error instead of a silently overwritten status.
 */
export const ITEM_STATES = [
  "queued",
  "processing",
  "ready_for_review",
  "approved",
  "writing",
  "written",
  "failed",
  "canceled",
  "restored",
] as const;

export type ItemState = (typeof ITEM_STATES)[number];

export const ITEM_TRANSITIONS: Readonly<Record<ItemState, readonly ItemState[]>> = {
  queued: ["processing", "canceled"],
  // Back to queued: the worker died or the AI provider asked to retry later.
  processing: ["ready_for_review", "failed", "queued", "canceled"],
  // Back to processing: the merchant rejected the result and asked for another.
  ready_for_review: ["approved", "processing", "canceled"],
  // Back to ready_for_review: the merchant changed their mind before it was written.
  approved: ["writing", "ready_for_review", "canceled"],
  // Back to approved: writing stopped half-way (throttled, worker died) and will be tried again.
  writing: ["written", "failed", "approved"],
  // Undo: the original media goes back on the product.
  written: ["restored"],
  failed: ["queued", "canceled"],
  canceled: [],
  restored: [],
};

export function canTransition(from: ItemState, to: ItemState): boolean {
  return ITEM_TRANSITIONS[from].includes(to);
}

export function isItemState(value: string): value is ItemState {
  return (ITEM_STATES as readonly string[]).includes(value);
}

export class IllegalTransitionError extends Error {
  override name = "IllegalTransitionError";
  readonly from: string;
  readonly to: string;
  constructor(from: string, to: string) {
    super(`A job item cannot go from ${from} to ${to}`);
    this.from = from;
    this.to = to;
  }
}

/** Someone else moved the item first; the caller's view of it is stale. */
export class ConcurrentTransitionError extends Error {
  override name = "ConcurrentTransitionError";
  readonly itemId: string;
  readonly expected: string;
  readonly actual: string;
  constructor(itemId: string, expected: string, actual: string) {
    super(`Job item ${itemId} is ${actual}, no longer ${expected}`);
    this.itemId = itemId;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Missing, or another shop's: the two answer alike so ids from other shops reveal nothing. */
export class JobItemNotFoundError extends Error {
  override name = "JobItemNotFoundError";
  readonly itemId: string;
  constructor(itemId: string) {
    super(`No job item ${itemId}`);
    this.itemId = itemId;
  }
}

export const JOB_STATES = [
  "queued",
  "processing",
  "in_review",
  "writing",
  "completed",
  "failed",
  "canceled",
] as const;

export type JobState = (typeof JOB_STATES)[number];

export type ItemCounts = Partial<Record<ItemState, number>>;

/**
 * A job's status follows from its items, most urgent first: anything still being generated, then
 * anything being written, then anything waiting for the merchant. Once every item has settled, a
 * job with at least one image in the store (or put back) is completed.
 */
export function deriveJobStatus(counts: ItemCounts): JobState {
  const n = (state: ItemState) => counts[state] ?? 0;
  const total = ITEM_STATES.reduce((sum, state) => sum + n(state), 0);
  if (total === 0 || n("queued") === total) return "queued";
  if (n("canceled") === total) return "canceled";
  if (n("queued") + n("processing") > 0) return "processing";
  if (n("writing") > 0) return "writing";
  if (n("ready_for_review") + n("approved") > 0) return "in_review";
  if (n("written") + n("restored") > 0) return "completed";
  return n("failed") > 0 ? "failed" : "canceled";
}

/** The job row's summary columns, from the item counts. */
export function jobSummary(counts: ItemCounts) {
  const n = (state: ItemState) => counts[state] ?? 0;
  return {
    status: deriveJobStatus(counts),
    itemCount: ITEM_STATES.reduce((sum, state) => sum + n(state), 0),
    doneCount: n("ready_for_review") + n("approved") + n("writing") + n("written") + n("restored"),
    writtenCount: n("written"),
    failedCount: n("failed"),
    canceledCount: n("canceled"),
  };
}

type Tx = Prisma.TransactionClient;

/** Recounts a job's items and stores the derived status; call inside the transaction that moved them. */
export async function refreshJobSummary(tx: Tx, shop: string, jobId: string) {
  const groups = await tx.jobItem.groupBy({
    by: ["status"],
    where: { shop, jobId },
    _count: { _all: true },
  });
  const counts: ItemCounts = {};
  for (const group of groups) {
    if (isItemState(group.status)) counts[group.status] = group._count._all;
  }
  const summary = jobSummary(counts);
  await tx.job.updateMany({ where: { id: jobId, shop }, data: summary });
  return summary;
}

export interface ItemRef {
  id: string;
  jobId: string;
  /** The status the caller last saw: the move only happens if the item is still in it. */
  status: string;
}

/** Fields that follow from entering a state, beside the status itself. */
function sideEffects(to: ItemState, reason: string | undefined, now: Date) {
  switch (to) {
    case "processing":
      return { attempts: { increment: 1 }, startedAt: now, lastError: null, errorCode: null };
    case "failed":
      return { lastError: reason ?? null, finishedAt: now };
    case "ready_for_review":
    case "written":
    case "canceled":
    case "restored":
      return { finishedAt: now };
    default:
      return {};
  }
}

/**
 * Moves an item from the status the caller saw to `to`, and records the move, in one transaction.
 * The update is guarded by the old status (optimistic concurrency): when two callers race, one
 * wins and the other gets ConcurrentTransitionError. The job row is touched first, which makes
 * PostgreSQL serialise moves within one job so the recounted summary never misses a concurrent move.
 * The item's credits are settled in the same transaction (captured when it produced a result,
 * released when it failed or was canceled), so state and charge can never disagree; a retry the
 * shop has no credits for throws InsufficientCreditsError and the item stays failed.
 */
export async function transition(
  db: PrismaClient,
  shop: string,
  item: ItemRef,
  to: ItemState,
  reason?: string,
  extra: { errorCode?: string } = {},
) {
  const from = item.status;
  if (!isItemState(from) || !canTransition(from, to)) throw new IllegalTransitionError(from, to);
  const now = new Date();
  const moved = await db.$transaction(async (tx) => {
    await tx.job.updateMany({ where: { id: item.jobId, shop }, data: { updatedAt: now } });
    const moved = await tx.jobItem.updateMany({
      where: { id: item.id, shop, jobId: item.jobId, status: from },
      data: {
        status: to,
        ...sideEffects(to, reason, now),
        ...(extra.errorCode === undefined ? {} : { errorCode: extra.errorCode }),
      },
    });
    if (moved.count === 0) {
      const current = await tx.jobItem.findFirst({
        where: { id: item.id, shop, jobId: item.jobId },
        select: { status: true },
      });
      if (!current) throw new JobItemNotFoundError(item.id);
      throw new ConcurrentTransitionError(item.id, from, current.status);
    }
    await tx.jobTransition.create({
      data: {
        shop,
        entityType: "JobItem",
        entityId: item.id,
        fromStatus: from,
        toStatus: to,
        reason: reason ?? null,
        at: now,
      },
    });
    await settleItemCredits(tx, shop, item, to);
    const job = await refreshJobSummary(tx, shop, item.jobId);
    return { from, to, job };
  });
  // After the commit: a job that has just finished, failed or become ready for review may
  // deserve telling the merchant (app/notifications); other statuses cost nothing here.
  await noteJobOutcome(db, shop, item.jobId, moved.job.status, now);
  return moved;
}
