/**
 * The job steps, put to work on the queue. The same registration runs inside the web process
 * (embedded default) and in `npm run worker` processes (at scale).
 */
import { startAutoProcessing } from "../automation/auto-process.server.ts";
import { startNotificationDelivery } from "../notifications/delivery.server.ts";

import type { ItemTask, JobDeps, JobTask, WriteBackTask } from "./deps.server.ts";
import { QUEUES } from "./deps.server.ts";
import { RetryableStepError } from "./failures.ts";
import { markItemFailed, runGeneration, type GenerateTask } from "./generate.server.ts";
import { failIntake, runIntake } from "./intake.server.ts";
import { observedQueue } from "./queue/observed-queue.server.ts";
import { startSweep } from "./sweep.server.ts";
import { runRestore, runWrite } from "./write-back.server.ts";

export interface WorkerConcurrency {
  /** Generation is CPU (sharp) and AI-provider bound. */
  generate: number;
  /** Writes are bound by the shop's Admin API bucket, which the client paces. */
  write: number;
}

function reasonOf(error: Error) {
  return error instanceof RetryableStepError
    ? error.failure
    : {
        code: "internal_error",
        message: "Something went wrong on our side while working on this image.",
      };
}

export function startJobWorkers(given: JobDeps, concurrency: WorkerConcurrency) {
  // Every step below runs in its task's log context and is timed (queue/observed-queue.server.ts).
  const deps: JobDeps = { ...given, queue: observedQueue(given.queue, given.workerId) };
  const { queue } = deps;
  queue.process<JobTask>(QUEUES.intake, ({ payload }) => runIntake(deps, payload), {
    concurrency: 1,
    onFailed: ({ payload }, error) =>
      failIntake(
        deps,
        payload,
        `Photo Studio could not list the selected products: ${reasonOf(error).message}`,
      ),
  });
  queue.process<GenerateTask>(QUEUES.generate, ({ payload }) => runGeneration(deps, payload), {
    concurrency: concurrency.generate,
    onFailed: ({ payload }, error) => {
      const { code, message } = reasonOf(error);
      return markItemFailed(deps, payload.shop, payload.itemId, message, code);
    },
  });
  queue.process<ItemTask>(QUEUES.write, ({ payload }) => runWrite(deps, payload), {
    concurrency: concurrency.write,
    onFailed: ({ payload }, error) => {
      const { code, message } = reasonOf(error);
      return markItemFailed(deps, payload.shop, payload.itemId, message, code);
    },
  });
  queue.process<WriteBackTask>(QUEUES.restore, ({ payload }) => runRestore(deps, payload), {
    concurrency: concurrency.write,
    onFailed: async ({ payload }, error) => {
      await deps.db.writeBack.updateMany({
        where: { id: payload.writeBackId, shop: payload.shop },
        data: { lastError: reasonOf(error).message },
      });
    },
  });
  // Approved items whose write was never queued (the web process died mid-approval).
  startSweep(deps);
  // New products' images (app/automation) and job notifications sent by email and chat webhook.
  startAutoProcessing(deps);
  startNotificationDelivery(deps);
}
