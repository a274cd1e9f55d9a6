/**
 * Cut-outs (matte refinement and edge colour decontamination, ../matte.ts) on a small pool of
 * worker threads. They are plain JavaScript over every pixel, 150–250 ms of one core for a 4 MP
 * photo: on the event loop they held up everything else a worker process does (queue claims,
 * Shopify and Replicate calls, progress writes), so a job ran slower than its CPU allowed.
 *
 * CUTOUT_THREADS sets the pool's size (default: the cores less one, at least one, at most four);
 * 0 computes on the calling thread. When the thread's module cannot be found (an unusual
 * deployment layout), cut-outs are computed on the calling thread too.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

import { logger } from "../observability/logger.server.ts";

import type { CutoutReply, CutoutRequest } from "./cutout-thread.ts";
import { cutoutFromAlpha, cutoutFromMatte } from "./matte.ts";

type Task = DistributiveOmit<CutoutRequest, "id">;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Pending {
  task: Task;
  resolve: (rgba: Uint8Array) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  busy: { id: number; pending: Pending } | null;
}

function poolSize(): number {
  const configured = process.env.CUTOUT_THREADS;
  if (configured !== undefined && configured !== "") {
    const size = Number(configured);
    if (Number.isInteger(size) && size >= 0) return size;
  }
  return Math.min(4, Math.max(1, os.availableParallelism() - 1));
}

/**
 * The thread's module: beside this one when the app runs from source (workers, tests); in the
 * project's app/ai when this module is bundled into the Remix server build.
 */
function threadEntry(): URL | null {
  const beside = new URL("./cutout-thread.ts", import.meta.url);
  if (beside.protocol === "file:" && fs.existsSync(fileURLToPath(beside))) return beside;
  const fromRoot = path.resolve("app/ai/cutout-thread.ts");
  return fs.existsSync(fromRoot) ? pathToFileURL(fromRoot) : null;
}

/** A copy with an ArrayBuffer of its own, which can be moved to a thread without copying again. */
function owned<T extends Uint8Array | Float32Array>(view: T): T {
  return (view instanceof Float32Array ? new Float32Array(view) : new Uint8Array(view)) as T;
}

function computeHere(task: Task): Uint8Array {
  return task.kind === "alpha"
    ? cutoutFromAlpha(task.rgb, task.alpha, task.width, task.height)
    : cutoutFromMatte(task.rgb, task.matte, task.width, task.height, { refine: task.refine });
}

function settleHere(pending: Pending) {
  try {
    pending.resolve(computeHere(pending.task));
  } catch (error) {
    pending.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

export class CutoutPool {
  private readonly threads: Thread[] = [];
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private broken = false;

  private readonly size: number;
  private readonly entry: URL;

  constructor(size: number, entry: URL) {
    this.size = size;
    this.entry = entry;
  }

  run(task: Task): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch() {
    while (this.waiting.length > 0) {
      const thread = this.threads.find((t) => !t.busy) ?? this.spawn();
      if (!thread) return;
      const pending = this.waiting.shift()!;
      const id = this.nextId++;
      thread.busy = { id, pending };
      thread.worker.ref();
      const { task } = pending;
      const request = (
        task.kind === "alpha"
          ? { ...task, id, rgb: owned(task.rgb), alpha: owned(task.alpha) }
          : { ...task, id, rgb: owned(task.rgb), matte: owned(task.matte) }
      ) as CutoutRequest;
      const moved = [
        request.rgb.buffer,
        (request.kind === "alpha" ? request.alpha : request.matte).buffer,
      ];
      thread.worker.postMessage(request, moved as ArrayBuffer[]);
    }
  }

  private spawn(): Thread | null {
    if (this.broken) {
      for (const pending of this.waiting.splice(0)) settleHere(pending);
      return null;
    }
    if (this.threads.length >= this.size) return null;
    // Nothing of the parent's command line: the module needs no loader hooks or preloads.
    const worker = new Worker(this.entry, { execArgv: [] });
    worker.unref();
    const thread: Thread = { worker, busy: null };
    worker.on("message", (reply: CutoutReply) => {
      const busy = thread.busy;
      if (!busy || busy.id !== reply.id) return;
      thread.busy = null;
      worker.unref();
      if ("rgba" in reply) busy.pending.resolve(reply.rgba);
      else busy.pending.reject(new Error(reply.error));
      this.dispatch();
    });
    let answered = false;
    worker.once("message", () => (answered = true));
    // A thread that dies (out of memory, or its module could not load) loses no cut-out: its
    // task is computed here instead. One that never answered is taken as a broken setup, and
    // the pool stops starting threads.
    const lost = (error: Error) => {
      const index = this.threads.indexOf(thread);
      if (index < 0) return;
      this.threads.splice(index, 1);
      if (!answered && !this.broken) {
        this.broken = true;
        logger.warn("cut-out threads unavailable; computing on the main thread", { error });
      }
      const busy = thread.busy;
      thread.busy = null;
      if (busy) settleHere(busy.pending);
      this.dispatch();
    };
    worker.on("error", lost);
    worker.on("exit", (code) => lost(new Error(`The cut-out thread stopped (exit code ${code})`)));
    this.threads.push(thread);
    return thread;
  }
}

let pool: CutoutPool | null | undefined;

function sharedPool(): CutoutPool | null {
  if (pool === undefined) {
    const size = poolSize();
    const entry = size > 0 ? threadEntry() : null;
    pool = entry ? new CutoutPool(size, entry) : null;
  }
  return pool;
}

/** cutoutFromAlpha (../matte.ts) on a pool thread. The inputs are copied, never changed. */
export function cutoutFromAlphaOffThread(
  rgb: Uint8Array,
  alpha: Uint8Array,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const task: Task = { kind: "alpha", rgb, alpha, width, height };
  const threads = sharedPool();
  return threads ? threads.run(task) : Promise.resolve(computeHere(task));
}

/** cutoutFromMatte (../matte.ts) on a pool thread. The inputs are copied, never changed. */
export function cutoutFromMatteOffThread(
  rgb: Uint8Array,
  matte: Float32Array,
  width: number,
  height: number,
  options: { refine: boolean },
): Promise<Uint8Array> {
  const task: Task = { kind: "matte", rgb, matte, width, height, refine: options.refine };
  const threads = sharedPool();
  return threads ? threads.run(task) : Promise.resolve(computeHere(task));
}
