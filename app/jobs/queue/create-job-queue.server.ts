import type { PrismaClient } from "@prisma/client";

import { BullmqQueue } from "./bullmq-queue.server";
import { DatabaseQueue } from "./database-queue.server";
import type { JobQueue } from "./types";

/**
 * BullMQ when REDIS_URL is set (several worker processes, at scale), otherwise the queue in the
 * app's own database, so a single embedded process needs nothing else running.
 */
export function createJobQueue(
  db: PrismaClient,
  redisUrl: string | undefined = process.env.REDIS_URL,
): JobQueue {
  const url = redisUrl?.trim();
  return url ? new BullmqQueue({ redisUrl: url }) : new DatabaseQueue(db);
}
