/**
 * The job system of this process, built once from the configuration: the queue (database or
 * BullMQ), storage, the AI provider and Shopify clients. The web process uses it to start jobs
 * and, in the embedded default, to run the workers too; `npm run worker` runs only the workers.
 */
import { hostname } from "node:os";

import { getAiProvider } from "../ai/provider.server.ts";
import prisma from "../db.server.ts";
import { getEnv } from "../env.server.ts";
import { adminClientFor } from "../shopify/admin-client.server.ts";
import { startRetentionSchedule } from "../retention/purge.server.ts";
import { storageFor } from "../storage/object-storage.server.ts";

import type { JobDeps } from "./deps.server.ts";
import { createJobQueue } from "./queue/create-job-queue.server.ts";
import { startJobWorkers } from "./workers.server.ts";

declare global {
  // One runtime per process, also across Remix dev-server reloads.
  var photoStudioJobs: { deps: JobDeps; working: boolean } | undefined;
}

function build(): JobDeps {
  const env = getEnv();
  return {
    db: prisma,
    queue: createJobQueue(prisma, env.redisUrl, env.queue),
    storage: storageFor(env),
    provider: getAiProvider(),
    adminFor: adminClientFor,
    workerId: `${hostname()}:${process.pid}`,
  };
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
  // Every worker process purges what retention says is due; concurrent runs are safe.
  startRetentionSchedule(deps);
  return deps;
}

/** The web process runs workers itself unless JOB_WORKERS=separate (then `npm run worker` does). */
export function startWorkersInWebProcess() {
  if (getEnv().jobWorkers === "in-process") startWorkers();
}
