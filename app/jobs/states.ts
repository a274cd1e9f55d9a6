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

/**
 * The job row's count columns, each the states it counts. With itemCount they determine every
 * state's count (countsOfSummary), which is what lets a move update them by increments.
 */
const SUMMARY_COLUMNS = {
  queuedCount: ["queued"],
  reviewCount: ["ready_for_review", "approved"],
  writingCount: ["writing"],
  doneCount: ["ready_for_review", "approved", "writing", "written", "restored"],
  writtenCount: ["written"],
  failedCount: ["failed"],
  canceledCount: ["canceled"],
} as const satisfies Record<string, readonly ItemState[]>;

type SummaryColumn = keyof typeof SUMMARY_COLUMNS;
const SUMMARY_COLUMN_NAMES = Object.keys(SUMMARY_COLUMNS) as SummaryColumn[];

export type JobSummary = Record<SummaryColumn | "itemCount", number> & { status: JobState };

/** The job row's summary columns, from the item counts. */
export function jobSummary(counts: ItemCounts): JobSummary {
  const n = (state: ItemState) => counts[state] ?? 0;
  const summary = {
    status: deriveJobStatus(counts),
    itemCount: ITEM_STATES.reduce((sum, state) => sum + n(state), 0),
  } as JobSummary;
  for (const column of SUMMARY_COLUMN_NAMES) {
    summary[column] = (SUMMARY_COLUMNS[column] as readonly ItemState[]).reduce(
      (sum, state) => sum + n(state),
      0,
    );
  }
  return summary;
}

/**
 * The item counts a job row's summary stands for. States the columns lump together come back as
 * one of them (approved as ready_for_review), which derives the same job status.
 */
export function countsOfSummary(row: Record<SummaryColumn | "itemCount", number>): ItemCounts {
  const restored = row.doneCount - row.reviewCount - row.writingCount - row.writtenCount;
  const processing =
    row.itemCount - row.queuedCount - row.doneCount - row.failedCount - row.canceledCount;
  return {
    queued: row.queuedCount,
    processing,
    ready_for_review: row.reviewCount,
    writing: row.writingCount,
    written: row.writtenCount,
    restored,
    failed: row.failedCount,
    canceled: row.canceledCount,
  };
}

/** What one item moving from `from` to `to` adds to each count column. */
function summaryIncrements(from: ItemState, to: ItemState) {
  const data: Partial<Record<SummaryColumn, { increment: number }>> = {};
  for (const column of SUMMARY_COLUMN_NAMES) {
    const states = SUMMARY_COLUMNS[column] as readonly ItemState[];
    const change = Number(states.includes(to)) - Number(states.includes(from));
    if (change !== 0) data[column] = { increment: change };
  }
  return data;
}

const SUMMARY_SELECT = {
  status: true,
  itemCount: true,
  ...Object.fromEntries(SUMMARY_COLUMN_NAMES.map((column) => [column, true])),
} as { status: true; itemCount: true } & Record<SummaryColumn, true>;

type Tx = Prisma.TransactionClient;

/**
 * Recounts a job's items and stores the summary; call inside the transaction that added or removed
 * them. Moves of single items keep it up to date by increments (transition).
 */
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
    // The job row first: on PostgreSQL its row lock orders the moves within one job, so the
    // status derived from its counts below is the one the last move left.
    const [counted] = await tx.job.updateManyAndReturn({
      where: { id: item.jobId, shop },
      data: { updatedAt: now, ...summaryIncrements(from, to) },
      select: SUMMARY_SELECT,
    });
    const moved = await tx.jobItem.updateMany({
      where: { id: item.id, shop, jobId: item.jobId, status: from },
      data: {
        status: to,
        ...sideEffects(to, reason, now),
        ...(extra.errorCode === undefined ? {} : { errorCode: extra.errorCode }),
      },
    });
    if (moved.count === 0 || !counted) {
      const current = await tx.jobItem.findFirst({
        where: { id: item.id, shop, jobId: item.jobId },
        select: { status: true },
      });
      if (!current || !counted) throw new JobItemNotFoundError(item.id);
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
    const job: JobSummary = {
      ...counted,
      status: deriveJobStatus(countsOfSummary(counted)),
    };
    if (job.status !== counted.status) {
      await tx.job.updateMany({ where: { id: item.jobId, shop }, data: { status: job.status } });
    }
    return { from, to, job };
  });
  // After the commit: a job that has just finished, failed or become ready for review may
  // deserve telling the merchant (app/notifications); other statuses cost nothing here.
  await noteJobOutcome(db, shop, item.jobId, moved.job.status, now);
  return moved;
}
