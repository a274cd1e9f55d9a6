/**
 * What the studio pages list: jobs, a job's items with their latest result, recent results and
 * the history of writes. Every query is the shop's; pages are keyset cursors (the last row's id:
 * stable while rows are added, unlike offsets), and related rows come in one query per page,
 * never one per row.
 */
import type { Prisma, PrismaClient } from "@prisma/client";

import type { ImageNote } from "../images/notes.ts";

import { describeRecipe, recipeSchema, type Recipe } from "./recipe.ts";
import type { ItemState } from "./states.ts";

const MAX_TAKE = 200;
const ACTIVE_JOB_STATES = ["queued", "processing", "in_review", "writing"];

function pageSize(take: number) {
  return Math.min(Math.max(Math.trunc(take) || 1, 1), MAX_TAKE);
}

/** A recipe stored by any version; one that no longer parses is shown, not thrown. */
function readRecipe(json: string): { recipe: Recipe | null; summary: string } {
  try {
    const parsed = recipeSchema.safeParse(JSON.parse(json));
    if (parsed.success) return { recipe: parsed.data, summary: describeRecipe(parsed.data) };
  } catch {
    // Not JSON: handled as unreadable below.
  }
  return { recipe: null, summary: "Recipe no longer available" };
}

/**
 * Rows after the cursor in (createdAt, id) order, newest first or oldest first. The cursor row is
 * looked up with the shop: another shop's id is no cursor at all.
 */
function after(
  cursorRow: { createdAt: Date; id: string } | null,
  direction: "asc" | "desc",
): { OR: Array<Record<string, unknown>> } | undefined {
  if (!cursorRow) return undefined;
  const beyond = direction === "desc" ? "lt" : "gt";
  return {
    OR: [
      { createdAt: { [beyond]: cursorRow.createdAt } },
      { createdAt: cursorRow.createdAt, id: { [beyond]: cursorRow.id } },
    ],
  };
}

export interface JobListEntry {
  id: string;
  createdAt: Date;
  status: string;
  mode: string;
  recipe: Recipe | null;
  summary: string;
  itemCount: number;
  doneCount: number;
  writtenCount: number;
  failedCount: number;
  canceledCount: number;
}

/** The shop's jobs, newest first; `active` keeps only unfinished (true) or finished (false) ones. */
export async function listJobs(
  db: PrismaClient,
  shop: string,
  { take, cursor, active }: { take: number; cursor?: string; active?: boolean },
): Promise<JobListEntry[]> {
  const cursorRow = cursor
    ? await db.job.findFirst({ where: { id: cursor, shop }, select: { id: true, createdAt: true } })
    : null;
  if (cursor && !cursorRow) return [];
  const jobs = await db.job.findMany({
    where: {
      shop,
      ...(active === undefined
        ? {}
        : { status: active ? { in: ACTIVE_JOB_STATES } : { notIn: ACTIVE_JOB_STATES } }),
      ...after(cursorRow, "desc"),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: pageSize(take),
  });
  return jobs.map((job) => ({
    id: job.id,
    createdAt: job.createdAt,
    status: job.status,
    mode: job.mode,
    ...readRecipe(job.recipe),
    itemCount: job.itemCount,
    doneCount: job.doneCount,
    writtenCount: job.writtenCount,
    failedCount: job.failedCount,
    canceledCount: job.canceledCount,
  }));
}

export interface ReviewVariant {
  id: string;
  storageKey: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  altText: string | null;
  review: string;
  origin: string;
  prompt: string | null;
  /** The image engine's notes, as sentences for the merchant. */
  notes: string[];
}

export interface ReviewItem {
  id: string;
  productId: string;
  productTitle: string;
  mediaId: string;
  status: string;
  errorCode: string | null;
  lastError: string | null;
  alt: string | null;
  position: number;
  sourceUrl: string;
  originalKey: string | null;
  /** The item's latest result, whatever its verdict; null before the first one. */
  variant: ReviewVariant | null;
}

function noteMessages(json: string): string[] {
  try {
    const notes = JSON.parse(json) as ImageNote[];
    return Array.isArray(notes) ? notes.map((note) => note.message).filter(Boolean) : [];
  } catch {
    return [];
  }
}

/**
 * A job and one page of its items in intake order, each with its latest result. Null for a job
 * that is not the shop's.
 */
export async function reviewItems(
  db: PrismaClient,
  shop: string,
  jobId: string,
  { take, cursor, status }: { take: number; cursor?: string; status?: ItemState | ItemState[] },
) {
  const found = await db.job.findFirst({ where: { id: jobId, shop } });
  if (!found) return null;
  const cursorRow = cursor
    ? await db.jobItem.findFirst({
        where: { id: cursor, shop, jobId },
        select: { id: true, createdAt: true },
      })
    : null;
  const size = pageSize(take);
  const where: Prisma.JobItemWhereInput = {
    shop,
    jobId,
    ...(status === undefined ? {} : { status: Array.isArray(status) ? { in: status } : status }),
    ...after(cursorRow, "asc"),
  };
  const rows =
    cursor && !cursorRow
      ? []
      : await db.jobItem.findMany({
          where,
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
          take: size + 1,
          include: { variants: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1 } },
        });
  const page = rows.slice(0, size);
  const items: ReviewItem[] = page.map((item) => {
    const variant = item.variants[0];
    return {
      id: item.id,
      productId: item.productId,
      productTitle: item.productTitle,
      mediaId: item.mediaId,
      status: item.status,
      errorCode: item.errorCode,
      lastError: item.lastError,
      alt: item.alt,
      position: item.position,
      sourceUrl: item.sourceUrl,
      originalKey: item.originalKey,
      variant: variant
        ? {
            id: variant.id,
            storageKey: variant.storageKey,
            width: variant.width,
            height: variant.height,
            format: variant.format,
            bytes: variant.bytes,
            altText: variant.altText,
            review: variant.review,
            origin: variant.origin,
            prompt: variant.prompt,
            notes: noteMessages(variant.notes),
          }
        : null,
    };
  });
  const { recipe, summary } = readRecipe(found.recipe);
  return {
    job: {
      id: found.id,
      createdAt: found.createdAt,
      status: found.status,
      mode: found.mode,
      autoApprove: found.autoApprove,
      intake: found.intake,
      intakeError: found.intakeError,
      canceledAt: found.canceledAt,
      recipe,
      summary,
      itemCount: found.itemCount,
      doneCount: found.doneCount,
      writtenCount: found.writtenCount,
      failedCount: found.failedCount,
      canceledCount: found.canceledCount,
    },
    items,
    nextCursor: rows.length > size ? (page[page.length - 1]?.id ?? null) : null,
  };
}

export interface RecentResult {
  itemId: string;
  jobId: string;
  productTitle: string;
  storageKey: string;
  originalKey: string | null;
  createdAt: Date;
}

/** The shop's latest results (one per item, not rejected), newest first: the home page's strip. */
export async function recentResults(
  db: PrismaClient,
  shop: string,
  take: number,
): Promise<RecentResult[]> {
  const variants = await db.variant.findMany({
    where: {
      shop,
      review: { in: ["pending", "approved"] },
      jobItem: { status: { notIn: ["canceled", "restored"] } },
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    // An item regenerated meanwhile has a rejected older result, so one per item in practice;
    // a few extra rows cover the rest.
    take: pageSize(take) * 2,
    include: { jobItem: { select: { jobId: true, productTitle: true, originalKey: true } } },
  });
  const seen = new Set<string>();
  const results: RecentResult[] = [];
  for (const variant of variants) {
    if (seen.has(variant.jobItemId)) continue;
    seen.add(variant.jobItemId);
    results.push({
      itemId: variant.jobItemId,
      jobId: variant.jobItem.jobId,
      productTitle: variant.jobItem.productTitle,
      storageKey: variant.storageKey,
      originalKey: variant.jobItem.originalKey,
      createdAt: variant.createdAt,
    });
    if (results.length === pageSize(take)) break;
  }
  return results;
}

export interface WriteHistoryEntry {
  writeBackId: string;
  itemId: string;
  jobId: string;
  productId: string;
  productTitle: string;
  /** written, restored (undone), failed. */
  state: string;
  mode: string;
  method: string | null;
  writtenAt: Date | null;
  restoredAt: Date | null;
  variantStorageKey: string | null;
  originalKey: string | null;
}

/** What went to the store and what was put back, newest first, for a product, a job or all. */
export async function writeHistory(
  db: PrismaClient,
  shop: string,
  {
    productId,
    jobId,
    take,
    cursor,
  }: { productId?: string; jobId?: string; take: number; cursor?: string },
): Promise<WriteHistoryEntry[]> {
  const cursorRow = cursor
    ? await db.writeBack.findFirst({
        where: { id: cursor, shop },
        select: { id: true, createdAt: true },
      })
    : null;
  if (cursor && !cursorRow) return [];
  const rows = await db.writeBack.findMany({
    where: {
      shop,
      state: { in: ["written", "restored", "failed"] },
      ...(productId ? { productId } : {}),
      ...(jobId ? { jobItem: { jobId } } : {}),
      ...after(cursorRow, "desc"),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: pageSize(take),
    include: { jobItem: { select: { jobId: true, productTitle: true, originalKey: true } } },
  });
  // WriteBack names its variant without a relation: one query for the page's variants.
  const variants = await db.variant.findMany({
    where: { shop, id: { in: [...new Set(rows.map((row) => row.variantId))] } },
    select: { id: true, storageKey: true },
  });
  const keys = new Map(variants.map((variant) => [variant.id, variant.storageKey]));
  return rows.map((row) => ({
    writeBackId: row.id,
    itemId: row.jobItemId,
    jobId: row.jobItem.jobId,
    productId: row.productId,
    productTitle: row.jobItem.productTitle,
    state: row.state,
    mode: row.mode,
    method: row.method,
    writtenAt: row.writtenAt,
    restoredAt: row.restoredAt,
    variantStorageKey: keys.get(row.variantId) ?? null,
    originalKey: row.jobItem.originalKey,
  }));
}
