/**
 * Jobs waiting for credits: Shopify refused the overage charge at the capped amount the merchant
 * approved. The job keeps its selection and nothing is processed or charged; once the merchant
 * raises the cap, buys a pack or changes plan, every waiting job of the shop is queued again and
 * its intake tries the hold once more.
 */
import type { PrismaClient } from "@prisma/client";

import type { JobTask } from "./deps.server.ts";
import { QUEUES } from "./deps.server.ts";
import type { JobQueue } from "./queue/types.ts";

export const PAUSED_AT_CAP = "usage_cap_reached";

export async function pauseIntake(db: PrismaClient, shop: string, jobId: string, message: string) {
  await db.job.updateMany({
    where: { id: jobId, shop, intake: "pending" },
    data: { intakeError: message, intakeErrorCode: PAUSED_AT_CAP },
  });
}

/** Queues the shop's waiting jobs again; returns how many. */
export async function resumePausedJobs(
  deps: { db: PrismaClient; queue: Pick<JobQueue, "enqueue"> },
  shop: string,
) {
  const paused = await deps.db.job.findMany({
    where: { shop, intake: "pending", intakeErrorCode: PAUSED_AT_CAP, canceledAt: null },
    select: { id: true },
  });
  for (const job of paused) {
    const resumed = await deps.db.job.updateMany({
      where: { id: job.id, shop, intakeErrorCode: PAUSED_AT_CAP },
      data: { intakeError: null, intakeErrorCode: null },
    });
    // Another resume took it first.
    if (resumed.count === 0) continue;
    await deps.queue.enqueue<JobTask>(
      QUEUES.intake,
      { shop, jobId: job.id },
      { key: `intake:${job.id}:resumed:${Date.now()}` },
    );
  }
  return paused.length;
}
