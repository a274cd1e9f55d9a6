/**
 * A product's Photo Studio status for the block on its admin page: the latest job that touched
 * it (or holds it, intake pending), how many of its results wait for review, and how many images
 * Photo Studio wrote to it. Only this shop's jobs count; another shop's product reads as untouched.
 */
import type { PrismaClient } from "@prisma/client";

import { busyProducts } from "./busy-products.server.ts";

export interface ProductStatus {
  lastJob: { id: string; status: string; createdAt: string } | null;
  awaitingReview: number;
  written: number;
}

export async function productStatus(
  db: PrismaClient,
  shop: string,
  productId: string,
): Promise<ProductStatus> {
  const [latestItem, groups, busy] = await Promise.all([
    db.jobItem.findFirst({
      where: { shop, productId },
      orderBy: { createdAt: "desc" },
      select: { jobId: true },
    }),
    db.jobItem.groupBy({ by: ["status"], where: { shop, productId }, _count: { _all: true } }),
    busyProducts(db, shop, [productId]),
  ]);
  const jobIds = [latestItem?.jobId, ...busy.map((entry) => entry.jobId)].filter(
    (id): id is string => Boolean(id),
  );
  const lastJob =
    jobIds.length === 0
      ? null
      : await db.job.findFirst({
          where: { shop, id: { in: jobIds } },
          orderBy: { createdAt: "desc" },
          select: { id: true, status: true, createdAt: true },
        });
  const count = (status: string) =>
    groups.find((group) => group.status === status)?._count._all ?? 0;
  return {
    lastJob: lastJob && { ...lastJob, createdAt: lastJob.createdAt.toISOString() },
    awaitingReview: count("ready_for_review"),
    written: count("written"),
  };
}
