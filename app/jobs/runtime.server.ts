/**
 * The job system of this process, built once from the configuration: the queue (database or
 * BullMQ), storage, the AI provider and Shopify clients. The web process uses it to start jobs
 * and, in the embedded default, to run the workers too; `npm run worker` runs only the workers.
 */
import { hostname } from "node:os";

import { getAiProvider } from "../ai/provider.server.ts";
import prisma from "../db.server.ts";
import { getEnv } from "../env.server.ts";
import { logger } from "../observability/logger.server.ts";
import { trackQueueDepth } from "../observability/metrics.server.ts";
import { adminClientFor } from "../shopify/admin-client.server.ts";
import { startRetentionSchedule, type RetentionSchedule } from "../retention/purge.server.ts";
import { storageFor } from "../storage/object-storage.server.ts";

import { QUEUES, type JobDeps } from "./deps.server.ts";
import { createJobQueue } from "./queue/create-job-queue.server.ts";
import { DEFAULT_TUNING, settleWithin } from "./queue/types.ts";
import { startJobWorkers } from "./workers.server.ts";

declare global {
  // One runtime per process, also across Remix dev-server reloads.
  var photoStudioJobs:
    { deps: JobDeps; working: boolean; retention?: RetentionSchedule } | undefined;
}

function build(): JobDeps {
  const env = getEnv();
  const deps: JobDeps = {
    db: prisma,
    queue: createJobQueue(prisma, env.redisUrl, env.queue),
    storage: storageFor(env),
    provider: getAiProvider(),
    adminFor: adminClientFor,
    workerId: `${hostname()}:${process.pid}`,
  };
  trackQueueDepth(deps.queue, Object.values(QUEUES));
  return deps;
}

export function jobRuntime(): JobDeps {
  globalThis.photoStudioJobs ??= { deps: build(), working: false };
  return globalThis.photoStudioJobs.deps;
}

/** Starts this process's workers once; a second call does nothing. */
export function startWorkers() {
  const deps = jobRuntime();
  if (globalThis.photoStudioJobs!.working) return deps;
  globalThis.photoStudioJobs!.working = true;
  const { workerConcurrency } = getEnv();
  startJobWorkers(deps, { generate: workerConcurrency, write: workerConcurrency * 2 });
  // Every worker process checks; one of them purges per hour (a ScheduleLease).
  globalThis.photoStudioJobs!.retention = startRetentionSchedule(deps, { holder: deps.workerId });
  return deps;
}

/**
 * Graceful stop: the schedules stop, no new task starts, running steps get the queue's grace
 * period to finish (those cut short are resumed elsewhere once their lease lapses), and a
 * retention run in progress gets as long.
 */
export async function stopWorkers() {
  const runtime = globalThis.photoStudioJobs;
  if (!runtime) return;
  runtime.retention?.stop();
  const started = performance.now();
  await Promise.all([
    runtime.deps.queue.close(),
    settleWithin([runtime.retention?.running() ?? Promise.resolve()], DEFAULT_TUNING.closeGraceMs),
  ]);
  logger.info("workers stopped", { durationMs: Math.round(performance.now() - started) });
}

/** The web process runs workers itself unless JOB_WORKERS=separate (then `npm run worker` does). */
export function startWorkersInWebProcess() {
  if (getEnv().jobWorkers === "in-process") startWorkers();
}
