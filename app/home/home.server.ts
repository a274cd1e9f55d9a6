import type { PrismaClient } from "@prisma/client";

import { creditSummary } from "~/billing/ledger.server";
import { listJobs, recentResults } from "~/jobs/listing.server";
import { signedFileUrl } from "~/storage/signed-url.server";

import { setupGuide, type SetupGuide } from "./setup-guide.server";

/** What the home page shows beside the store's overview; every part is read for one shop. */
export interface HomeData {
  credits: {
    available: number;
    held: number;
    planName: string;
    monthlyCredits: number;
    periodEndsAt: string | null;
  };
  activeJobs: Array<{
    id: string;
    summary: string;
    createdAt: string;
    status: string;
    itemCount: number;
    settledCount: number;
    failedCount: number;
    percent: number;
  }>;
  recentResults: Array<{ itemId: string; jobId: string; productTitle: string; thumbUrl: string }>;
  guide: SetupGuide;
}

export const ACTIVE_JOBS_SHOWN = 5;
export const RECENT_RESULTS_SHOWN = 8;

export async function homeData(db: PrismaClient, shop: string): Promise<HomeData> {
  const [credits, jobs, results, guide] = await Promise.all([
    creditSummary(db, shop),
    listJobs(db, shop, { take: ACTIVE_JOBS_SHOWN, active: true }),
    recentResults(db, shop, RECENT_RESULTS_SHOWN),
    setupGuide(db, shop),
  ]);
  return {
    credits: {
      available: credits.available,
      held: credits.held,
      planName: credits.plan.name,
      monthlyCredits: credits.plan.monthlyCredits,
      periodEndsAt: credits.periodEndsAt?.toISOString() ?? null,
    },
    activeJobs: jobs.map((job) => {
      // Generation is what a running job waits on: an item counts once it has a result, failed
      // or was canceled; review and write-back are the merchant's pace, not the job's.
      const settledCount = job.doneCount + job.failedCount + job.canceledCount;
      return {
        id: job.id,
        summary: job.summary,
        createdAt: job.createdAt.toISOString(),
        status: job.status,
        itemCount: job.itemCount,
        settledCount,
        failedCount: job.failedCount,
        percent: job.itemCount > 0 ? Math.round((settledCount / job.itemCount) * 100) : 0,
      };
    }),
    recentResults: results.map((result) => ({
      itemId: result.itemId,
      jobId: result.jobId,
      productTitle: result.productTitle,
      thumbUrl: signedFileUrl(shop, result.storageKey, { size: "thumb" }),
    })),
    guide,
  };
}
