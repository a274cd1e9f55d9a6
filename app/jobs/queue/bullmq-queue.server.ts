import { Queue, Worker, type IRedisClient, type JobState, type JobType } from "bullmq";
import { Redis } from "ioredis";

import { logger } from "../../observability/logger.server.ts";

import {
  DEFAULT_TUNING,
  settleWithin,
  toError,
  type EnqueueOptions,
  type EnqueueResult,
  type JobQueue,
  type ProcessOptions,
  type QueueDepth,
  type QueueTuning,
  type TaskHandler,
  type TaskInfo,
  type TaskPayload,
  type TaskStatus,
} from "./types";

export interface BullmqQueueOptions extends Partial<QueueTuning> {
  redisUrl: string;
  /** Redis key prefix: separates apps (and test runs) sharing one Redis. */
  prefix?: string;
  /** Finished jobs are kept this long (so their keys still deduplicate), then removed. */
  retentionMs?: number;
}

const DAY = 24 * 60 * 60 * 1000;

/** Every state a job can be removed from (an active job is locked by its worker). */
const PURGEABLE_STATES: JobType[] = [
  "waiting",
  "prioritized",
  "delayed",
  "paused",
  "waiting-children",
  "completed",
  "failed",
];
const PURGE_PAGE = 500;

/** BullMQ's highest priority number (lower runs first); 2^21 - 1. */
const MAX_PRIORITY = 2_097_151;

/**
 * The queue at scale: BullMQ on Redis, with the same semantics as the database-backed queue.
 *
 * - Idempotency: the job id is derived from the key (BullMQ ignores a second add with the same id).
 * - Retries: `attempts` with exponential backoff; a worker that dies loses its lock, and another
 *   worker's stalled-job check puts the job back (lockDuration = leaseMs).
 * - Per-shop fairness: BullMQ's group feature is Pro-only, so fairness comes from priorities. Each
 *   shop has a counter of its unfinished tasks (a Redis hash); a task is enqueued with priority =
 *   that count, i.e. "the n-th waiting task of its shop". BullMQ runs lower numbers first, so the
 *   first task of every shop runs before the second of any, and so on: round-robin across shops.
 */
export class BullmqQueue implements JobQueue {
  private readonly tuning: QueueTuning;

  get leaseMs() {
    return this.tuning.leaseMs;
  }
  private readonly prefix: string;
  private readonly retentionMs: number;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly running = new Set<Promise<unknown>>();

  private readonly options: BullmqQueueOptions;

  constructor(options: BullmqQueueOptions) {
    this.options = options;
    const { redisUrl: _url, prefix, retentionMs, ...tuning } = options;
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
    this.prefix = prefix ?? "photo-studio";
    this.retentionMs = retentionMs ?? 7 * DAY;
  }

  async enqueue<P extends TaskPayload>(
    name: string,
    payload: P,
    { key, delayMs = 0, maxAttempts }: EnqueueOptions,
  ): Promise<EnqueueResult> {
    const queue = this.queue(name);
    const jobId = jobIdFor(key);
    // BullMQ would ignore the duplicate anyway; checking first keeps the fairness counter exact.
    // (Two enqueues of one key at the very same moment can overcount a shop by one, which only
    // lowers that shop's priority slightly until its counter next empties.)
    if (await queue.getJob(jobId)) return { added: false };
    const nth = await this.countUnfinished(name, payload.shop, 1);
    await queue.add(name, payload, {
      jobId,
      delay: delayMs,
      attempts: maxAttempts ?? this.tuning.maxAttempts,
      backoff: { type: "exponential", delay: this.tuning.backoffMs },
      priority: Math.min(Math.max(nth, 1), MAX_PRIORITY),
      removeOnComplete: { age: Math.ceil(this.retentionMs / 1000) },
      removeOnFail: { age: Math.ceil(this.retentionMs / 1000) },
    });
    return { added: true };
  }

  process<P extends TaskPayload>(
    name: string,
    handler: TaskHandler<P>,
    { concurrency = 1, onFailed }: ProcessOptions<P> = {},
  ): void {
    const worker = new Worker<P>(
      name,
      async (job) => {
        const task = {
          key: keyFor(job.id ?? ""),
          payload: job.data,
          attempt: job.attemptsMade + 1,
          queuedAt: new Date(job.timestamp),
        };
        const run = (async () => {
          try {
            await handler(task);
          } catch (error) {
            // The last attempt: settle the books now, while the worker and Redis are surely up.
            if (task.attempt >= (job.opts.attempts ?? 1)) {
              await this.countUnfinished(name, job.data.shop, -1);
              await onFailed?.(task, toError(error));
            }
            throw error;
          }
          await this.countUnfinished(name, job.data.shop, -1);
        })();
        this.running.add(run);
        try {
          await run;
        } finally {
          this.running.delete(run);
        }
      },
      {
        connection: { url: this.options.redisUrl },
        prefix: this.prefix,
        concurrency,
        lockDuration: this.tuning.leaseMs,
        stalledInterval: this.tuning.leaseMs,
        // A worker that dies mid-task is one attempt, as on the database queue: BullMQ's default
        // (1) would fail a task for good the second time its worker dies under it.
        maxStalledCount: this.tuning.maxAttempts,
      },
    );
    // Failed by the stalled-job check (its workers kept dying), the handler never saw the end:
    // settle the books here so the domain still hears of it.
    worker.on("failed", (job, error) => {
      if (!job || !/stalled more than/i.test(error.message)) return;
      const task = { key: keyFor(job.id ?? ""), payload: job.data, attempt: job.attemptsMade };
      void (async () => {
        await this.countUnfinished(name, job.data.shop, -1);
        await onFailed?.(task, error);
      })().catch((failure: unknown) =>
        logger.error("queue failure report failed", { queue: name, error: failure }),
      );
    });
    // Redis going away is reported and retried by BullMQ; without a listener Node would crash.
    worker.on("error", (error) => logger.error("queue worker error", { queue: name, error }));
    this.workers.push(worker);
  }

  async inspect(name: string, key: string): Promise<TaskInfo | null> {
    const job = await this.queue(name).getJob(jobIdFor(key));
    if (!job) return null;
    return {
      status: statusOf(await job.getState()),
      attempts: job.attemptsMade,
      lastError: job.failedReason || null,
    };
  }

  async purgeShop(shop: string, names: readonly string[]): Promise<number> {
    let removed = 0;
    for (const name of names) {
      const queue = this.queue(name);
      // Ids first, removals after: removing while paging would shift the pages under us.
      const ids: string[] = [];
      for (let start = 0; ; start += PURGE_PAGE) {
        const jobs = await queue.getJobs(PURGEABLE_STATES, start, start + PURGE_PAGE - 1);
        for (const job of jobs) {
          if (job?.id && (job.data as TaskPayload | undefined)?.shop === shop) ids.push(job.id);
        }
        if (jobs.length < PURGE_PAGE) break;
      }
      for (const id of ids) {
        // A job that became active meanwhile is locked by its worker and cannot be removed; it
        // finds the shop's rows gone and leaves with the queue's ordinary retention.
        if ((await queue.remove(id)) === 1) removed += 1;
      }
      const client = await queue.client;
      await client.hdel(this.unfinishedKey(name), shop);
    }
    return removed;
  }

  async close(): Promise<void> {
    // Take no new jobs, give running ones the grace period, then close: gracefully when they all
    // finished (BullMQ still has to record them as completed), forcibly when some are stuck. A
    // forced close leaves those jobs to lapse, as if the process had died.
    await Promise.all(this.workers.map((worker) => worker.pause(true)));
    const running = this.running.size;
    await settleWithin(this.running, this.tuning.closeGraceMs);
    const stuck = this.running.size > 0;
    logger.info("queue closed", {
      backend: "bullmq",
      finished: running - this.running.size,
      abandoned: this.running.size,
    });
    await Promise.all(this.workers.map((worker) => worker.close(stuck)));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }

  /**
   * PING on a connection of its own, made for the probe and closed after it: the queues'
   * connections retry for ever and queue commands meanwhile, so they cannot say "Redis is down".
   */
  async ready(): Promise<void> {
    const client = new Redis(this.options.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
      connectTimeout: 2_000,
    });
    // The failure is the answer; without a listener ioredis would print it as unhandled.
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  }

  async depth(name: string): Promise<QueueDepth> {
    const counts = await this.queue(name).getJobCounts(
      "wait",
      "prioritized",
      "paused",
      "delayed",
      "active",
      "failed",
    );
    const n = (state: string) => counts[state] ?? 0;
    return {
      waiting: n("wait") + n("prioritized") + n("paused"),
      delayed: n("delayed"),
      active: n("active"),
      failed: n("failed"),
    };
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: { url: this.options.redisUrl }, prefix: this.prefix });
      queue.on("error", (error) => logger.error("queue error", { queue: name, error }));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Adds delta to the shop's count of unfinished tasks and returns the new count. */
  private async countUnfinished(name: string, shop: string, delta: number): Promise<number> {
    const client = await this.queue(name).client;
    if (!scriptReady.has(client)) {
      client.defineCommand(COUNT_UNFINISHED, { numberOfKeys: 1, lua: COUNT_UNFINISHED_LUA });
      scriptReady.add(client);
    }
    return Number(
      await client.runCommand(COUNT_UNFINISHED, [this.unfinishedKey(name), shop, delta]),
    );
  }

  private unfinishedKey(name: string) {
    return `${this.prefix}:${name}:photo-studio-unfinished-by-shop`;
  }
}

// BullMQ's client abstraction has no HINCRBY; a script does the increment and drops a shop's
// field once it reaches zero, atomically, so the hash only holds shops with work in the queue.
const COUNT_UNFINISHED = "photoStudioCountUnfinished";
const COUNT_UNFINISHED_LUA = `
local n = redis.call("HINCRBY", KEYS[1], ARGV[1], ARGV[2])
if n <= 0 then redis.call("HDEL", KEYS[1], ARGV[1]) end
return n`;
const scriptReady = new WeakSet<IRedisClient>();

// BullMQ refuses ids that look like integers or contain ":" (its own key separator), both of which
// our keys may; a prefix and URI-encoding make any key acceptable and keep the mapping reversible.
function jobIdFor(key: string) {
  return `k_${encodeURIComponent(key)}`;
}

function keyFor(jobId: string) {
  return decodeURIComponent(jobId.replace(/^k_/, ""));
}

function statusOf(state: JobState | "unknown"): TaskStatus {
  if (state === "completed" || state === "failed" || state === "active") return state;
  return "pending";
}
