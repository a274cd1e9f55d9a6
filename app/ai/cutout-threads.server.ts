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

import {
  computeCutout,
  failureError,
  type CutoutReply,
  type CutoutRequest,
  type CutoutTask,
} from "./cutout-work.ts";
import type { CutoutPixels } from "./provider.ts";

interface Pending {
  task: CutoutTask;
  resolve: (cutout: CutoutPixels) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  running: Map<number, Pending>;
}

/**
 * Tasks a thread holds at once. A model's output is decoded on the thread, by libvips on threads
 * of its own, so while one task's files decode, the other's cut-out runs: with one task at a time
 * the thread sat idle through every decode, and on two cores (one cut-out thread) cut-outs came
 * out slower than the photos came back from the model.
 */
const TASKS_PER_THREAD = 2;

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

function settleHere(pending: Pending) {
  computeCutout(pending.task).then(
    ({ rgba, width, height }) => pending.resolve({ data: rgba, width, height }),
    (error: unknown) => pending.reject(error instanceof Error ? error : new Error(String(error))),
  );
}

/** The request as it goes to a thread, and the buffers it moves there (copies: see owned). */
function requestFor(task: CutoutTask, id: number): [CutoutRequest, ArrayBuffer[]] {
  if (task.kind === "model-output") {
    const request = { ...task, id, photo: owned(task.photo), output: owned(task.output) };
    return [request, [request.photo.buffer, request.output.buffer] as ArrayBuffer[]];
  }
  const request = { ...task, id, rgb: owned(task.rgb), matte: owned(task.matte) };
  return [request, [request.rgb.buffer, request.matte.buffer] as ArrayBuffer[]];
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

  run(task: CutoutTask): Promise<CutoutPixels> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch() {
    while (this.waiting.length > 0) {
      const thread =
        this.threads.find((t) => t.running.size === 0) ??
        this.spawn() ??
        this.threads.find((t) => t.running.size < TASKS_PER_THREAD);
      // A broken pool has computed everything waiting here (spawn).
      if (!thread || this.waiting.length === 0) return;
      const pending = this.waiting.shift()!;
      const id = this.nextId++;
      thread.running.set(id, pending);
      thread.worker.ref();
      const [request, moved] = requestFor(pending.task, id);
      thread.worker.postMessage(request, moved);
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
    const thread: Thread = { worker, running: new Map() };
    worker.on("message", (reply: CutoutReply) => {
      const pending = thread.running.get(reply.id);
      if (!pending) return;
      thread.running.delete(reply.id);
      if (thread.running.size === 0) worker.unref();
      if ("rgba" in reply) {
        pending.resolve({ data: reply.rgba, width: reply.width, height: reply.height });
      } else {
        pending.reject(failureError(reply.error));
      }
      this.dispatch();
    });
    let answered = false;
    worker.once("message", () => (answered = true));
    // A thread that dies (out of memory, or its module could not load) loses no cut-out: its
    // tasks are computed here instead. One that never answered is taken as a broken setup, and
    // the pool stops starting threads.
    const lost = (error: Error) => {
      const index = this.threads.indexOf(thread);
      if (index < 0) return;
      this.threads.splice(index, 1);
      if (!answered && !this.broken) {
        this.broken = true;
        logger.warn("cut-out threads unavailable; computing on the main thread", { error });
      }
      const running = [...thread.running.values()];
      thread.running.clear();
      for (const pending of running) settleHere(pending);
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

/**
 * The cut-out from a background-removal model's output (model-cutout.ts), on a pool thread,
 * which also decodes the photo and the output. The inputs are copied, never changed.
 */
export function cutoutFromModelOutputOffThread(
  photo: Uint8Array,
  output: Uint8Array,
): Promise<CutoutPixels> {
  return runCutout({ kind: "model-output", photo, output });
}

/** cutoutFromMatte (../matte.ts) on a pool thread. The inputs are copied, never changed. */
export async function cutoutFromMatteOffThread(
  rgb: Uint8Array,
  matte: Float32Array,
  width: number,
  height: number,
  options: { refine: boolean },
): Promise<Uint8Array> {
  const task: CutoutTask = { kind: "matte", rgb, matte, width, height, refine: options.refine };
  return (await runCutout(task)).data;
}

function runCutout(task: CutoutTask): Promise<CutoutPixels> {
  const threads = sharedPool();
  return threads
    ? threads.run(task)
    : new Promise((resolve, reject) => settleHere({ task, resolve, reject }));
}
