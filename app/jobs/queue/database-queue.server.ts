import { randomUUID } from "node:crypto";

import type { PrismaClient, QueueTask } from "@prisma/client";

import { logger } from "../../observability/logger.server.ts";

import {
  backoffDelay,
  DEFAULT_TUNING,
  settleWithin,
  toError,
  type EnqueueOptions,
  type EnqueueResult,
  type JobQueue,
  type ProcessOptions,
  type QueueDepth,
  type QueueTuning,
  type TaskContext,
  type TaskHandler,
  type TaskInfo,
  type TaskPayload,
  type TaskStatus,
} from "./types";

export interface DatabaseQueueOptions extends Partial<QueueTuning> {
  /** How often an idle worker looks for due tasks (an enqueue in this process wakes it at once). */
  pollMs?: number;
  /** Finished tasks are kept this long (so their keys still deduplicate), then deleted. */
  retentionMs?: number;
}

const DAY = 24 * 60 * 60 * 1000;

/** Per process() call: the loops it runs and the shop it served last (the round-robin cursor). */
interface Consumer {
  name: string;
  lastShop: string;
  /** Wakes every idle loop (the queue is closing). */
  wake: () => void;
  /** Wakes one idle loop: a task was enqueued here, or a claim found one and there may be more. */
  wakeOne: () => void;
  /**
   * The consumer's loops claim one at a time. Racing each other for the same oldest task, 24 loops
   * woken together made 24 claims' worth of queries for one task; in turn, each query finds work.
   */
  claiming: Promise<unknown>;
  /** Whether one idle loop is already polling: the others sleep until they are woken. */
  polling: boolean;
  loops: Promise<void>[];
}

/**
 * The embedded default: tasks are rows of QueueTask in the app's own database (SQLite or
 * PostgreSQL), so there is nothing else to run, and they survive restarts.
 *
 * Claiming is optimistic and portable (no SELECT … FOR UPDATE SKIP LOCKED, which SQLite lacks):
 * read a due task, then `updateMany` it guarded by the attempts count it was read with; only one
 * claimant can match. The claim writes a lease, renewed while the handler runs; a worker that dies
 * stops renewing, and once the lease has lapsed the task is due again for anyone.
 */
export class DatabaseQueue implements JobQueue {
  private readonly tuning: QueueTuning;

  get leaseMs() {
    return this.tuning.leaseMs;
  }
  private readonly pollMs: number;
  private readonly retentionMs: number;
  private readonly consumers: Consumer[] = [];
  private readonly running = new Map<string, { done: Promise<void>; abandon: () => void }>();
  private closed = false;
  private lastPrune = 0;

  private readonly db: PrismaClient;

  constructor(db: PrismaClient, options: DatabaseQueueOptions = {}) {
    this.db = db;
    const { pollMs, retentionMs, ...tuning } = options;
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
    this.pollMs = pollMs ?? 1_000;
    this.retentionMs = retentionMs ?? 7 * DAY;
  }

  async enqueue<P extends TaskPayload>(
    name: string,
    payload: P,
    { key, delayMs = 0, maxAttempts }: EnqueueOptions,
  ): Promise<EnqueueResult> {
    try {
      await this.db.queueTask.create({
        data: {
          queue: name,
          key,
          shop: payload.shop,
          payload: JSON.stringify(payload),
          maxAttempts: maxAttempts ?? this.tuning.maxAttempts,
          runAt: new Date(Date.now() + delayMs),
        },
      });
    } catch (error) {
      // The unique (queue, key) index is the idempotency check, race-free on both providers.
      if ((error as { code?: string }).code === "P2002") return { added: false };
      throw error;
    }
    for (const consumer of this.consumers) if (consumer.name === name) consumer.wakeOne();
    return { added: true };
  }

  process<P extends TaskPayload>(
    name: string,
    handler: TaskHandler<P>,
    options: ProcessOptions<P> = {},
  ): void {
    // Tasks of this name carry P by contract of enqueue; the loop itself is payload-agnostic.
    const { concurrency = 1, onFailed } = options as ProcessOptions;
    if (this.closed) throw new Error("This queue is closed");
    const sleepers = new Set<() => void>();
    let poller: (() => void) | null = null;
    const consumer: Consumer = {
      name,
      lastShop: "",
      wake: () => [...sleepers].forEach((wakeUp) => wakeUp()),
      // A sleeper rather than the poller: the poller woken hands its polling to another loop,
      // which looks for work once more to take it over.
      wakeOne: () => {
        for (const wakeUp of sleepers) if (wakeUp !== poller) return wakeUp();
        poller?.();
      },
      claiming: Promise.resolve(),
      polling: false,
      loops: [],
    };
    const claim = () => {
      const next = consumer.claiming.then(() => this.claimNext(consumer, onFailed));
      consumer.claiming = next.catch(() => undefined);
      return next;
    };
    // One idle loop polls the table (for tasks other processes enqueued, or delayed ones coming
    // due); the rest sleep until a task is enqueued here or a claim wakes them.
    const idle = () =>
      new Promise<void>((resolve) => {
        const polls = !consumer.polling;
        if (polls) consumer.polling = true;
        const timer = polls ? setTimeout(done, this.pollMs) : undefined;
        function done() {
          clearTimeout(timer);
          sleepers.delete(done);
          // The poller claims again itself and, finding nothing, polls again: waking a sleeper
          // too would double the idle queries. A claim that leaves more due wakes the next loop.
          if (polls) {
            consumer.polling = false;
            poller = null;
          }
          resolve();
        }
        sleepers.add(done);
        if (polls) poller = done;
      });
    const loop = async () => {
      while (!this.closed) {
        try {
          const claimed = await claim();
          if (claimed === "none") {
            await idle();
          } else {
            // Another idle loop takes the next one, so a burst is taken up loop by loop; and
            // when this loop was the one polling, another takes over (it finds nothing and polls).
            if (claimed.more || !consumer.polling) consumer.wakeOne();
            const { task } = claimed;
            if (task !== "raced" && this.closed) await this.release(task);
            else if (task !== "raced") await this.run(task, handler as TaskHandler, onFailed);
          }
          await this.pruneNow();
        } catch (error) {
          // A database hiccup must not kill the worker loop; wait, then try again.
          logger.error("queue loop failed", { queue: name, error });
          await idle();
        }
      }
    };
    this.consumers.push(consumer);
    for (let i = 0; i < concurrency; i++) consumer.loops.push(loop());
  }

  async inspect(name: string, key: string): Promise<TaskInfo | null> {
    const task = await this.db.queueTask.findUnique({ where: { queue_key: { queue: name, key } } });
    if (!task) return null;
    const expired = task.status === "active" && (task.leaseExpiresAt?.getTime() ?? 0) < Date.now();
    return {
      status: (expired ? "pending" : task.status) as TaskStatus,
      attempts: task.attempts,
      lastError: task.lastError,
    };
  }

  async purgeShop(shop: string, names: readonly string[]): Promise<number> {
    // Running tasks go too: their worker's later writes are guarded by the row and match nothing.
    const { count } = await this.db.queueTask.deleteMany({
      where: { shop, queue: { in: [...names] } },
    });
    return count;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const consumer of this.consumers) consumer.wake();
    const running = this.running.size;
    await settleWithin(
      [...this.running.values()].map((entry) => entry.done),
      this.tuning.closeGraceMs,
    );
    logger.info("queue closed", {
      backend: "database",
      finished: running - this.running.size,
      abandoned: this.running.size,
    });
    for (const entry of this.running.values()) entry.abandon();
    await settleWithin(
      this.consumers.flatMap((consumer) => consumer.loops),
      this.tuning.closeGraceMs,
    );
  }

  async ready(): Promise<void> {
    await this.db.queueTask.findFirst({ select: { id: true } });
  }

  async depth(name: string): Promise<QueueDepth> {
    const [groups, delayed] = await Promise.all([
      this.db.queueTask.groupBy({
        by: ["status"],
        where: { queue: name, status: { in: ["pending", "active", "failed"] } },
        _count: { _all: true },
      }),
      this.db.queueTask.count({
        where: { queue: name, status: "pending", runAt: { gt: new Date() } },
      }),
    ]);
    const count = (status: string) =>
      groups.find((group) => group.status === status)?._count._all ?? 0;
    return {
      waiting: count("pending") - delayed,
      delayed,
      active: count("active"),
      failed: count("failed"),
    };
  }

  /**
   * The next due task, taken round-robin across shops: the oldest due task of the first shop after
   * the one served last (in name order, wrapping around). One indexed lookup, two when the round
   * wraps, so it stays cheap with a hundred thousand tasks waiting. `more` says whether another
   * task may be due: the lookup reads a second row for it, so a claim wakes another loop only
   * when there is something for it to take (each loop woken for nothing cost two lookups).
   */
  private async claimNext(
    consumer: Consumer,
    onFailed: ProcessOptions["onFailed"],
  ): Promise<{ task: QueueTask | "raced"; more: boolean } | "none"> {
    const now = new Date();
    const due = {
      queue: consumer.name,
      OR: [
        { status: "pending", runAt: { lte: now } },
        { status: "active", leaseExpiresAt: { lt: now } },
      ],
    };
    const oldestFirst = [
      { shop: "asc" as const },
      { runAt: "asc" as const },
      { createdAt: "asc" as const },
    ];
    const later = consumer.lastShop
      ? await this.db.queueTask.findMany({
          where: { ...due, shop: { gt: consumer.lastShop } },
          orderBy: oldestFirst,
          take: 2,
        })
      : [];
    // Shops at or before the last one served may have due tasks too: there may be more.
    const wrapped = later.length === 0;
    const found = wrapped
      ? await this.db.queueTask.findMany({ where: due, orderBy: oldestFirst, take: 2 })
      : later;
    const task = found[0];
    if (!task) {
      // Nothing is due for any shop: the round starts over, and an idle poll is one query.
      consumer.lastShop = "";
      return "none";
    }
    const more = found.length > 1 || !wrapped;
    // The only due task: the round starts over after it, so the next claim is one lookup too.
    consumer.lastShop = more ? task.shop : "";
    const claimed = await this.claim(task, onFailed);
    return { task: claimed ?? "raced", more };
  }

  /** Takes a task read as due; null when another claimant was first. */
  private async claim(
    task: QueueTask,
    onFailed: ProcessOptions["onFailed"],
  ): Promise<QueueTask | null> {
    // Its worker died during the last allowed attempt: it fails here rather than run again.
    if (task.status === "active" && task.attempts >= task.maxAttempts) {
      const error = new Error(`Worker stopped during attempt ${task.attempts}; attempts used up`);
      const failed = await this.db.queueTask.updateMany({
        where: { id: task.id, status: "active", attempts: task.attempts },
        data: this.finished("failed", error.message),
      });
      if (failed.count === 1) await onFailed?.(contextOf(task), error);
      return null;
    }

    const leaseOwner = randomUUID();
    const claimed = await this.db.queueTask.updateMany({
      where: { id: task.id, status: task.status, attempts: task.attempts },
      data: {
        status: "active",
        attempts: task.attempts + 1,
        leaseOwner,
        leaseExpiresAt: new Date(Date.now() + this.tuning.leaseMs),
      },
    });
    if (claimed.count === 0) return null;
    return { ...task, status: "active", attempts: task.attempts + 1, leaseOwner };
  }

  private async run(
    task: QueueTask,
    handler: TaskHandler,
    onFailed: ProcessOptions["onFailed"] | undefined,
  ) {
    // Writes about this task only count while this worker still holds its lease.
    const mine = { id: task.id, status: "active", leaseOwner: task.leaseOwner };
    let abandoned = false;
    const heartbeat = setInterval(
      () => {
        void this.db.queueTask
          .updateMany({
            where: mine,
            data: { leaseExpiresAt: new Date(Date.now() + this.tuning.leaseMs) },
          })
          .catch((error: unknown) =>
            logger.error("queue lease renewal failed", { queue: task.queue, error }),
          );
      },
      Math.max(10, Math.floor(this.tuning.leaseMs / 3)),
    );
    const work = (async () => {
      let failure: Error | null = null;
      try {
        await handler(contextOf(task));
      } catch (error) {
        failure = toError(error);
      } finally {
        clearInterval(heartbeat);
      }
      if (abandoned) return;
      if (!failure) {
        await this.db.queueTask.updateMany({ where: mine, data: this.finished("completed") });
      } else if (task.attempts >= task.maxAttempts) {
        const failed = await this.db.queueTask.updateMany({
          where: mine,
          data: this.finished("failed", failure.message),
        });
        if (failed.count === 1) await onFailed?.(contextOf(task), failure);
      } else {
        await this.db.queueTask.updateMany({
          where: mine,
          data: {
            status: "pending",
            runAt: new Date(Date.now() + backoffDelay(task.attempts, this.tuning.backoffMs)),
            lastError: failure.message,
            leaseOwner: null,
            leaseExpiresAt: null,
          },
        });
      }
    })();
    this.running.set(task.id, {
      done: work,
      abandon: () => {
        abandoned = true;
        clearInterval(heartbeat);
      },
    });
    try {
      await work;
    } finally {
      this.running.delete(task.id);
    }
  }

  /** Hands back a task claimed just as the queue closed, without counting the attempt. */
  private async release(task: QueueTask) {
    await this.db.queueTask.updateMany({
      where: { id: task.id, status: "active", leaseOwner: task.leaseOwner },
      data: {
        status: "pending",
        attempts: task.attempts - 1,
        leaseOwner: null,
        leaseExpiresAt: null,
      },
    });
  }

  private finished(status: "completed" | "failed", lastError?: string) {
    return {
      status,
      finishedAt: new Date(),
      leaseOwner: null,
      leaseExpiresAt: null,
      ...(lastError === undefined ? {} : { lastError }),
    };
  }

  /** Deletes long-finished tasks now and then; their keys stop deduplicating after retentionMs. */
  private async pruneNow() {
    if (Date.now() - this.lastPrune < 60 * 60 * 1000) return;
    this.lastPrune = Date.now();
    await this.db.queueTask.deleteMany({
      where: {
        status: { in: ["completed", "failed"] },
        finishedAt: { lt: new Date(Date.now() - this.retentionMs) },
      },
    });
  }
}

function contextOf(task: QueueTask): TaskContext {
  return {
    key: task.key,
    payload: JSON.parse(task.payload) as TaskPayload,
    attempt: task.attempts,
    queuedAt: task.createdAt,
  };
}
