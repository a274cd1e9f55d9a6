/**
 * The history page's data: every image Photo Studio wrote to a product, newest first, with
 * thumbnails of what was written and of the original it replaced, filterable by product or job.
 * Built on the job engine's `writeHistory`; every lookup carries the shop.
 */
import type { PrismaClient } from "@prisma/client";

import { listJobs, writeHistory } from "~/jobs/listing.server";

import { formatDateTime } from "./job-words";
import { imageLink } from "./links.server";

export const HISTORY_PAGE_SIZE = 50;

export interface HistoryRow {
  writeBackId: string;
  itemId: string;
  jobId: string;
  productId: string;
  productTitle: string;
  /** "written", "restored", …: restore is offered only for what is in the store now. */
  state: string;
  mode: string;
  writtenAt: string | null;
  restoredAt: string | null;
  resultThumb: string | null;
  originalThumb: string | null;
  canRestore: boolean;
}

export interface HistoryView {
  rows: HistoryRow[];
  nextCursor: string | null;
  filters: { productId: string | null; jobId: string | null };
  /** Jobs to filter by, newest first, labelled by date and recipe. */
  jobOptions: Array<{ value: string; label: string }>;
  /** Set when the page is filtered by product: its title, for the heading. */
  productTitle: string | null;
}

export async function historyView(
  db: PrismaClient,
  shop: string,
  {
    productId,
    jobId,
    cursor,
  }: { productId?: string | null; jobId?: string | null; cursor?: string | null },
  now = Date.now(),
): Promise<HistoryView> {
  const [entries, jobs] = await Promise.all([
    // One more than a page tells whether there is a next one.
    writeHistory(db, shop, {
      ...(productId ? { productId } : {}),
      ...(jobId ? { jobId } : {}),
      ...(cursor ? { cursor } : {}),
      take: HISTORY_PAGE_SIZE + 1,
    }),
    listJobs(db, shop, { take: 50 }),
  ]);
  const page = entries.slice(0, HISTORY_PAGE_SIZE);
  const rows = page.map((entry): HistoryRow => ({
    writeBackId: entry.writeBackId,
    itemId: entry.itemId,
    jobId: entry.jobId,
    productId: entry.productId,
    productTitle: entry.productTitle || "Untitled product",
    state: entry.state,
    mode: entry.mode,
    writtenAt: entry.writtenAt ? new Date(entry.writtenAt).toISOString() : null,
    restoredAt: entry.restoredAt ? new Date(entry.restoredAt).toISOString() : null,
    resultThumb: entry.variantStorageKey
      ? imageLink(shop, entry.variantStorageKey, "thumb", now)
      : null,
    originalThumb: entry.originalKey ? imageLink(shop, entry.originalKey, "thumb", now) : null,
    canRestore: entry.state === "written",
  }));
  return {
    rows,
    nextCursor:
      entries.length > HISTORY_PAGE_SIZE ? (page[page.length - 1]?.writeBackId ?? null) : null,
    filters: { productId: productId ?? null, jobId: jobId ?? null },
    jobOptions: jobs.map((job) => ({
      value: job.id,
      label: `${formatDateTime(job.createdAt, "en-US", "UTC")} UTC · ${job.summary}`,
    })),
    productTitle: productId
      ? (rows.find((row) => row.productId === productId)?.productTitle ?? null)
      : null,
  };
}
