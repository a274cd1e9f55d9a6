/**
 * One queue interface, two backends: the database-backed queue that runs inside the app process
 * (the embedded default) and BullMQ on Redis (at scale). Both give the same guarantees, which
 * tests/jobs/queue.test.ts checks against each:
 *
 * - enqueue is idempotent by key: a key already known to the queue adds nothing;
 * - a task runs at least once; one that throws is retried with exponential backoff, and after
 *   maxAttempts it is marked failed and reported to onFailed;
 * - a task whose worker dies is taken up again by another worker once its lease/lock expires;
 * - tasks live in the database or Redis, so a restarted process resumes them;
 * - workers take tasks round-robin across shops, so one shop's big job cannot starve another's.
 *
 * Handlers must therefore be idempotent: "at least once" includes after a crash mid-task.
 */

/** Every task belongs to a shop; fairness is by shop. */
export interface TaskPayload {
  shop: string;
  [field: string]: unknown;
}

export interface EnqueueOptions {
  /** Idempotency key, unique within the queue name (e.g. `process:<jobItemId>`). */
  key: string;
  delayMs?: number;
  /** Defaults to the queue's maxAttempts. */
  maxAttempts?: number;
}

export interface EnqueueResult {
  /** False when a task with this key was already known and nothing was added. */
  added: boolean;
}

export interface TaskContext<P extends TaskPayload = TaskPayload> {
  key: string;
  payload: P;
  /** 1 on the first run. */
  attempt: number;
  /** When the task was enqueued (the queueing-to-done metric), where the backend knows. */
  queuedAt?: Date;
}

export type TaskHandler<P extends TaskPayload = TaskPayload> = (
  task: TaskContext<P>,
) => Promise<void>;

export interface ProcessOptions<P extends TaskPayload = TaskPayload> {
  concurrency?: number;
  /** Called once when a task has used up its attempts, to record the failure in the domain. */
  onFailed?: (task: TaskContext<P>, error: Error) => Promise<void> | void;
}

export type TaskStatus = "pending" | "active" | "completed" | "failed";

export interface TaskInfo {
  status: TaskStatus;
  attempts: number;
  lastError: string | null;
}

/** How many tasks of one queue are in each state (finished ones are kept for the retention). */
export interface QueueDepth {
  /** Due now, waiting for a worker. */
  waiting: number;
  /** Not due yet: delayed, or waiting out a retry's backoff. */
  delayed: number;
  active: number;
  failed: number;
}

export interface JobQueue {
  enqueue<P extends TaskPayload>(
    name: string,
    payload: P,
    options: EnqueueOptions,
  ): Promise<EnqueueResult>;
  process<P extends TaskPayload>(
    name: string,
    handler: TaskHandler<P>,
    options?: ProcessOptions<P>,
  ): void;
  /** Where a task stands, or null if the queue does not know the key. */
  inspect(name: string, key: string): Promise<TaskInfo | null>;
  /**
   * shop/redact: removes every task of the shop from the named queues, waiting, delayed, retrying
   * or finished, and answers how many went. Other shops' tasks stay as they were.
   */
  purgeShop(shop: string, names: readonly string[]): Promise<number>;
  /**
   * Stops taking tasks and waits up to the grace period for running ones. Tasks still running
   * after it are abandoned, exactly as if the process had died: their lease lapses and another
   * worker runs them again.
   */
  close(): Promise<void>;
  /** Resolves when the queue's store answers (readiness); rejects with why it does not. */
  ready(): Promise<void>;
  /** Where the named queue's tasks stand (metrics). */
  depth(name: string): Promise<QueueDepth>;
  /**
   * How long a dead worker's task stays reserved before another worker takes it: what a task holds
   * besides (a product's write lock) should lapse no later, or the task's rerun waits on it.
   */
  readonly leaseMs: number;
}

export interface QueueTuning {
  maxAttempts: number;
  /** First retry delay; each further retry doubles it. */
  backoffMs: number;
  /** How long a claimed task is reserved for its worker without a renewal. */
  leaseMs: number;
  /** How long close() waits for running handlers before abandoning them. */
  closeGraceMs: number;
}

export const DEFAULT_TUNING: QueueTuning = {
  maxAttempts: 5,
  backoffMs: 5_000,
  leaseMs: 60_000,
  closeGraceMs: 10_000,
};

/** Delay before the retry that follows attempt number `attempt` (1-based). */
export function backoffDelay(attempt: number, backoffMs: number): number {
  return backoffMs * 2 ** Math.max(0, attempt - 1);
}

export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Resolves when every promise has settled or the grace period is over, whichever comes first. */
export async function settleWithin(promises: Iterable<Promise<unknown>>, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}
