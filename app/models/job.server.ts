import type { PrismaClient } from "@prisma/client";

import { jobSummary } from "~/jobs/states";

/**
 * Jobs and their items, always looked up with the shop: an id from another shop answers exactly
 * like a missing one.
 */
export interface NewJob {
  recipe: unknown;
  images: Array<{ productId: string; mediaId: string }>;
}

export async function createJob(db: PrismaClient, shop: string, { recipe, images }: NewJob) {
  return db.job.create({
    data: {
      shop,
      recipe: JSON.stringify(recipe),
      ...jobSummary({ queued: images.length }),
      items: { createMany: { data: images.map((image) => ({ shop, ...image })) } },
    },
  });
}

export async function getJob(db: PrismaClient, shop: string, id: string) {
  return db.job.findFirst({ where: { id, shop } });
}

export async function getJobItem(db: PrismaClient, shop: string, id: string) {
  return db.jobItem.findFirst({ where: { id, shop } });
}

export async function listJobItems(db: PrismaClient, shop: string, jobId: string) {
  return db.jobItem.findMany({
    where: { shop, jobId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}

export async function listItemTransitions(db: PrismaClient, shop: string, itemId: string) {
  return db.jobTransition.findMany({
    where: { shop, entityType: "JobItem", entityId: itemId },
    // Moves within one millisecond keep their order: cuids grow monotonically within a process.
    orderBy: [{ at: "asc" }, { id: "asc" }],
  });
}
