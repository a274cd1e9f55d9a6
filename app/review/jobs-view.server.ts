/**
 * The job list's data: the shop's jobs, newest first, a page at a time, with what the merchant
 * scans for (when, what recipe, how far along, what failed).
 */
import type { PrismaClient } from "@prisma/client";

import { listJobs } from "~/jobs/listing.server";

export const JOBS_PAGE_SIZE = 25;

export interface JobRow {
  id: string;
  createdAt: string;
  status: string;
  mode: string;
  summary: string;
  itemCount: number;
  doneCount: number;
  writtenCount: number;
  failedCount: number;
  canceledCount: number;
  /** Share of items that are generated or settled, 0–100. */
  percent: number;
}

export async function jobsView(
  db: PrismaClient,
  shop: string,
  { cursor }: { cursor?: string | null } = {},
): Promise<{ rows: JobRow[]; nextCursor: string | null }> {
  // One more than a page tells whether there is a next one.
  const jobs = await listJobs(db, shop, {
    take: JOBS_PAGE_SIZE + 1,
    ...(cursor ? { cursor } : {}),
  });
  const page = jobs.slice(0, JOBS_PAGE_SIZE);
  return {
    rows: page.map((job) => {
      const settled = job.doneCount + job.failedCount + job.canceledCount;
      return {
        id: job.id,
        createdAt: new Date(job.createdAt).toISOString(),
        status: job.status,
        mode: job.mode,
        summary: job.summary,
        itemCount: job.itemCount,
        doneCount: job.doneCount,
        writtenCount: job.writtenCount,
        failedCount: job.failedCount,
        canceledCount: job.canceledCount,
        percent: job.itemCount > 0 ? Math.min(100, Math.round((settled / job.itemCount) * 100)) : 0,
      };
    }),
    nextCursor: jobs.length > JOBS_PAGE_SIZE ? (page[page.length - 1]?.id ?? null) : null,
  };
}
