/**
 * What job steps need from the outside world, passed in rather than imported, so the same steps
 * run in the web process, in `npm run worker`, and in tests against the emulators.
 */
import type { PrismaClient } from "@prisma/client";

import type { AiProvider } from "../ai/provider.ts";
import type { AdminClient } from "../shopify/admin-types.ts";
import type { WriteBackOptions } from "../shopify/media-write-back.server.ts";
import type { ObjectStorage } from "../storage/object-storage.server.ts";

import type { JobQueue } from "./queue/types.ts";

export interface JobDeps {
  db: PrismaClient;
  queue: JobQueue;
  storage: ObjectStorage;
  provider: AiProvider;
  /** The Admin API client for a shop, from its offline session. */
  adminFor(shop: string): Promise<AdminClient>;
  /** Names this process in locks, for support. */
  workerId: string;
  /** How write-backs wait on Shopify (media processing polls); the defaults suit production. */
  writeBack?: Pick<WriteBackOptions, "pollMs" | "processingTimeoutMs" | "reorderTimeoutMs">;
}

/** The queues job steps run on; one name per kind of step so each has its own concurrency. */
export const QUEUES = {
  intake: "job-intake",
  generate: "job-generate",
  write: "job-write",
  restore: "job-restore",
  /** Housekeeping across shops (app/jobs/sweep.server.ts). */
  sweep: "job-sweep",
} as const;

export interface ShopTask {
  shop: string;
  [field: string]: unknown;
}
export interface JobTask extends ShopTask {
  jobId: string;
}
export interface ItemTask extends ShopTask {
  itemId: string;
}
export interface WriteBackTask extends ShopTask {
  writeBackId: string;
}
