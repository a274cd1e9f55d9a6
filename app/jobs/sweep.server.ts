/**
 * Approving records the item's move and then queues its write; a web process that dies between
 * the two leaves the item approved with no write task. The sweep finds such items and queues their
 * writes under the same keys approving uses, so an item whose task exists gains nothing.
 *
 * It runs when workers start and then every SWEEP_EVERY_MS, as a task on the queue: every process
 * schedules the same key per period, and closing the queue stops it with everything else. The
 * task takes the period's `ScheduleLease` before sweeping (schedule-lease.server.ts), so the start
 * sweeps of processes that start in the same period collapse into the period's one sweep too.
 */
import { logger } from "../observability/logger.server.ts";

import type { JobDeps, ShopTask } from "./deps.server.ts";
import { QUEUES } from "./deps.server.ts";
import { queueWrite } from "./generate.server.ts";
import { runOncePerPeriod } from "./schedule-lease.server.ts";

export const SWEEP_EVERY_MS = 5 * 60_000;
/** The sweep's ScheduleLease row. */
export const SWEEP_SCHEDULE = "approval-sweep";
/** An approval this recent may still be queueing its write in the request that made it. */
const SWEEP_GRACE_MS = 30_000;
/** Jobs whose items can be approved; a finished job has none. */
const OPEN_JOB_STATES = ["processing", "in_review", "writing"];
const JOBS_PER_QUERY = 500;
/** Queue payloads name a shop for fairness; the sweep serves all of them. */
const ALL_SHOPS = "*";

export interface SweepTask extends ShopTask {
  at: number;
}

/** Queues the missing writes of approved items; returns how many items it looked at. */
export async function sweepApprovedWithoutWrite(
  deps: Pick<JobDeps, "db" | "queue">,
  now = new Date(),
): Promise<number> {
  // Two indexed-enough queries: the few open jobs, then their approved items by (jobId, ...).
  const jobs = await deps.db.job.findMany({
    where: { status: { in: OPEN_JOB_STATES } },
    select: { id: true },
  });
  let looked = 0;
  for (let start = 0; start < jobs.length; start += JOBS_PER_QUERY) {
    const items = await deps.db.jobItem.findMany({
      where: {
        jobId: { in: jobs.slice(start, start + JOBS_PER_QUERY).map((job) => job.id) },
        status: "approved",
        updatedAt: { lt: new Date(now.getTime() - SWEEP_GRACE_MS) },
      },
      select: { id: true, shop: true },
    });
    for (const item of items) {
      const variant = await deps.db.variant.findFirst({
        where: { shop: item.shop, jobItemId: item.id, review: "approved" },
        orderBy: { createdAt: "desc" },
        select: { id: true },
      });
      if (variant) await queueWrite(deps, item.shop, item.id, variant.id);
      looked++;
    }
  }
  return looked;
}

function periodOf(time: number) {
  return Math.floor(time / SWEEP_EVERY_MS);
}

/** The sweep of the period after `time`, keyed by period so every process schedules the same. */
async function scheduleNext(deps: Pick<JobDeps, "queue">, time: number) {
  const next = (periodOf(time) + 1) * SWEEP_EVERY_MS;
  await deps.queue.enqueue<SweepTask>(
    QUEUES.sweep,
    { shop: ALL_SHOPS, at: next },
    { key: `sweep:${periodOf(next)}`, delayMs: Math.max(0, next - Date.now()) },
  );
}

/** Registers the sweep on the queue, runs one now and schedules the periodic ones. */
export function startSweep(deps: Pick<JobDeps, "db" | "queue" | "workerId">) {
  deps.queue.process<SweepTask>(
    QUEUES.sweep,
    async ({ payload }) => {
      // The next one first: a sweep that keeps failing must not end the schedule.
      await scheduleNext(deps, Math.max(payload.at, Date.now()));
      await runOncePerPeriod(deps.db, SWEEP_SCHEDULE, SWEEP_EVERY_MS, deps.workerId, async () => {
        logger.info("write sweep", { looked: await sweepApprovedWithoutWrite(deps) });
      });
    },
    { concurrency: 1 },
  );
  const now = Date.now();
  void deps.queue
    .enqueue<SweepTask>(
      QUEUES.sweep,
      { shop: ALL_SHOPS, at: now },
      { key: `sweep:start:${deps.workerId}:${now}` },
    )
    .catch((error: unknown) => {
      logger.warn("could not schedule the write sweep", { error });
    });
}
