/**
 * The queue as the steps see it: every handler (and its onFailed) runs inside a log context
 * carrying the task's ids, so whatever a step logs, however deep, says which job, item, shop,
 * queue, attempt and worker it is about; and every run is timed into the step metrics. Applied
 * once where the steps are registered (app/jobs/workers.server.ts).
 */
import { withLogContext, type LogContext } from "../../observability/logger.server.ts";
import { timeJobStep } from "../../observability/metrics.server.ts";

import type { JobQueue, TaskContext, TaskPayload } from "./types.ts";

const text = (value: unknown) => (typeof value === "string" ? value : undefined);

function contextOf(name: string, task: TaskContext, workerId: string): LogContext {
  const { payload } = task;
  return {
    workerId,
    queue: name,
    key: task.key,
    attempt: task.attempt,
    // The sweep serves every shop ("*"): no shop to name.
    shop: payload.shop === "*" ? undefined : text(payload.shop),
    jobId: text(payload.jobId),
    itemId: text(payload.itemId),
    writeBackId: text(payload.writeBackId),
  };
}

/** "job-generate" → "generate": the step label of the metrics. */
const stepOf = (name: string) => name.replace(/^job-/, "");

export function observedQueue(queue: JobQueue, workerId: string): JobQueue {
  return {
    enqueue: (name, payload, options) => queue.enqueue(name, payload, options),
    inspect: (name, key) => queue.inspect(name, key),
    purgeShop: (shop, names) => queue.purgeShop(shop, names),
    close: () => queue.close(),
    ready: () => queue.ready(),
    depth: (name) => queue.depth(name),
    leaseMs: queue.leaseMs,
    process<P extends TaskPayload>(
      name: string,
      handler: (task: TaskContext<P>) => Promise<void>,
      options: Parameters<JobQueue["process"]>[2] = {},
    ) {
      const { onFailed } = options as {
        onFailed?: (task: TaskContext<P>, error: Error) => unknown;
      };
      queue.process<P>(
        name,
        (task) =>
          withLogContext(contextOf(name, task, workerId), () =>
            timeJobStep(stepOf(name), task.queuedAt, () => handler(task)),
          ),
        {
          ...options,
          onFailed: onFailed
            ? (task, error) =>
                withLogContext(contextOf(name, task, workerId), () =>
                  onFailed(task, error),
                ) as Promise<void> | void
            : undefined,
        },
      );
    },
  };
}
