/**
 * The job page's first render: the job's progress (the page then polls the progress route for
 * the same shape), what the job does in words, and product titles to name failed and skipped
 * images without asking Shopify.
 */
import type { PrismaClient } from "@prisma/client";

import { jobProgress, type JobProgress } from "~/jobs/progress.server";
import { describeRecipe, parseRecipe } from "~/jobs/recipe";
import { getJob } from "~/models/job.server";

/** Titles are a convenience for the error list; a huge job names its first products only. */
const TITLES_SHOWN = 500;

export interface JobPageView {
  job: { id: string; createdAt: string; summary: string; mode: string; canceled: boolean };
  progress: JobProgress;
  productTitles: Record<string, string>;
}

export function recipeSummary(recipeJson: string): string {
  try {
    return describeRecipe(parseRecipe(recipeJson));
  } catch {
    // A recipe written by an older version still names its job; the workers report what fails.
    return "Custom recipe";
  }
}

export async function jobPageView(
  db: PrismaClient,
  shop: string,
  jobId: string,
  now = new Date(),
): Promise<JobPageView | null> {
  const [job, progress] = await Promise.all([
    getJob(db, shop, jobId),
    jobProgress(db, shop, jobId, now),
  ]);
  if (!job || !progress) return null;
  const products = await db.jobItem.findMany({
    where: { shop, jobId },
    distinct: ["productId"],
    select: { productId: true, productTitle: true },
    take: TITLES_SHOWN,
  });
  return {
    job: {
      id: job.id,
      createdAt: job.createdAt.toISOString(),
      summary: recipeSummary(job.recipe),
      mode: job.mode,
      canceled: job.canceledAt !== null,
    },
    progress,
    productTitles: Object.fromEntries(
      products
        .filter((product) => product.productTitle)
        .map((product) => [product.productId, product.productTitle]),
    ),
  };
}
