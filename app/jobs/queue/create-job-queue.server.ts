import type { PrismaClient } from "@prisma/client";

import { BullmqQueue } from "./bullmq-queue.server";
import { DatabaseQueue } from "./database-queue.server";
import type { JobQueue, QueueTuning } from "./types";

/**
 * BullMQ when REDIS_URL is set (several worker processes, at scale), otherwise the queue in the
 * app's own database, so a single embedded process needs nothing else running.
 */
export function createJobQueue(
  db: PrismaClient,
  redisUrl: string | undefined,
  options: Partial<QueueTuning> & { prefix?: string } = {},
): JobQueue {
  const url = redisUrl?.trim();
  if (url) return new BullmqQueue({ ...options, redisUrl: url });
  const { prefix: _redisOnly, ...tuning } = options;
  return new DatabaseQueue(db, tuning);
}
