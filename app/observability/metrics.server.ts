/**
 * The process's Prometheus metrics: one registry (Node's default process metrics and ours), fed
 * by one-line calls at the seams that see the events (the queue's step wrapper, the Admin client,
 * the AI providers, the credit ledger, the request log), scraped at GET /metrics with
 * METRICS_TOKEN, or on WORKER_HTTP_PORT from `npm run worker`.
 *
 * Labels are few and bounded on purpose: steps, outcomes, providers, models, operations, HTTP
 * method, status and the route's area; never a shop, a job or a path (their number has no bound).
 * Every process has its own registry; Prometheus sums across the processes it scrapes.
 */
import { timingSafeEqual } from "node:crypto";

import client from "prom-client";

import type { JobQueue } from "../jobs/queue/types.ts";

import { logger } from "./logger.server.ts";

const PREFIX = "photo_studio_";

/** Seconds: from a cheap Admin call to a long AI scene. */
const SECOND_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds: a job from queueing to done may take hours when a shop queues thousands of images. */
const LONG_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 7200, 14_400];

/** How long a scrape waits for the queue's counts before leaving them out. */
const QUEUE_DEPTH_TIMEOUT_MS = 2_000;

interface QueueSource {
  queue: Pick<JobQueue, "depth">;
  names: readonly string[];
}

function build() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const sources: QueueSource[] = [];
  const registers = { registers: [registry] };

  const queueDepth = new client.Gauge({
    name: `${PREFIX}queue_depth`,
    help: "Tasks per queue and state (waiting, delayed, active, failed), counted at scrape time",
    labelNames: ["queue", "state"] as const,
    ...registers,
    async collect() {
      this.reset();
      for (const { queue, names } of sources) {
        for (const name of names) {
          try {
            const depth = await withTimeout(queue.depth(name), QUEUE_DEPTH_TIMEOUT_MS);
            for (const [state, count] of Object.entries(depth)) {
              this.set({ queue: name, state }, count);
            }
          } catch (error) {
            // The scrape still answers; /readyz says what is down.
            logger.warn("queue depth unavailable", { queue: name, error });
          }
        }
      }
    },
  });

  return {
    registry,
    sources,
    queueDepth,
    jobStepSeconds: new client.Histogram({
      name: `${PREFIX}job_step_duration_seconds`,
      help: "One run of a job step (intake, generate, write, restore, sweep), by outcome",
      labelNames: ["step", "outcome"] as const,
      buckets: SECOND_BUCKETS,
      ...registers,
    }),
    jobSeconds: new client.Histogram({
      name: `${PREFIX}job_duration_seconds`,
      help: "A job step from queueing to its successful end: waiting, retries and backoff included",
      labelNames: ["step"] as const,
      buckets: LONG_BUCKETS,
      ...registers,
    }),
    shopifyCost: new client.Counter({
      name: `${PREFIX}shopify_query_cost_total`,
      help: "Points of the shops' Admin API cost buckets spent (actual query cost Shopify reported)",
      ...registers,
    }),
    shopifyRequests: new client.Counter({
      name: `${PREFIX}shopify_requests_total`,
      help: "Admin API attempts sent to Shopify, by how they ended",
      labelNames: ["outcome"] as const,
      ...registers,
    }),
    shopifyThrottleWaitSeconds: new client.Histogram({
      name: `${PREFIX}shopify_throttle_wait_seconds`,
      help: "Time an Admin API request waited for room in its shop's cost bucket before going",
      buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      ...registers,
    }),
    aiSeconds: new client.Histogram({
      name: `${PREFIX}ai_call_duration_seconds`,
      help: "One AI operation at a provider, by provider, model, operation and outcome",
      labelNames: ["provider", "model", "operation", "outcome"] as const,
      buckets: SECOND_BUCKETS,
      ...registers,
    }),
    aiErrors: new client.Counter({
      name: `${PREFIX}ai_call_errors_total`,
      help: "AI operations that failed, by provider, model, operation and error code",
      labelNames: ["provider", "model", "operation", "code"] as const,
      ...registers,
    }),
    creditsConsumed: new client.Counter({
      name: `${PREFIX}credits_consumed_total`,
      help: "Credits spent: captured from a job's hold, or charged at once for an edit",
      labelNames: ["kind"] as const,
      ...registers,
    }),
    httpRequests: new client.Counter({
      name: `${PREFIX}http_requests_total`,
      help: "HTTP requests served, by method, status and area of the app",
      labelNames: ["method", "status", "area"] as const,
      ...registers,
    }),
    httpSeconds: new client.Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: "HTTP request durations, by method and area of the app",
      labelNames: ["method", "area"] as const,
      buckets: SECOND_BUCKETS,
      ...registers,
    }),
  };
}

declare global {
  // One registry per process, also across Remix dev-server reloads (a second would clash).
  var photoStudioMetrics: ReturnType<typeof build> | undefined;
}

const metrics = () => (globalThis.photoStudioMetrics ??= build());

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// --- The seams' calls ---------------------------------------------------------------------------

/** The queue counted into photo_studio_queue_depth at each scrape (the runtime's, once). */
export function trackQueueDepth(queue: Pick<JobQueue, "depth">, names: readonly string[]) {
  const { sources } = metrics();
  if (!sources.some((source) => source.queue === queue)) sources.push({ queue, names });
}

/** Times one run of a step; `queuedAt` also feeds the queueing-to-done histogram on success. */
export async function timeJobStep<T>(
  step: string,
  queuedAt: Date | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const { jobStepSeconds, jobSeconds } = metrics();
  const end = jobStepSeconds.startTimer({ step });
  try {
    const result = await run();
    end({ outcome: "ok" });
    if (queuedAt) jobSeconds.observe({ step }, (Date.now() - queuedAt.getTime()) / 1000);
    return result;
  } catch (error) {
    end({ outcome: "error" });
    throw error;
  }
}

export function recordShopifyAttempt(
  outcome: "ok" | "throttled" | "transient" | "fatal",
  actualCost: number | null | undefined,
) {
  const { shopifyRequests, shopifyCost } = metrics();
  shopifyRequests.inc({ outcome });
  if (actualCost) shopifyCost.inc(actualCost);
}

export function observeThrottleWait(ms: number) {
  metrics().shopifyThrottleWaitSeconds.observe(ms / 1000);
}

export interface AiCallLabels {
  provider: string;
  model: string;
  operation: string;
}

/** Times one provider call; a failure counts under its code (AiProviderError's, or "error"). */
export async function observeAiCall<T>(labels: AiCallLabels, call: () => Promise<T>): Promise<T> {
  const { aiSeconds, aiErrors } = metrics();
  const end = aiSeconds.startTimer(labels);
  try {
    const result = await call();
    end({ outcome: "ok" });
    return result;
  } catch (error) {
    end({ outcome: "error" });
    const code = (error as { code?: unknown } | null)?.code;
    aiErrors.inc({ ...labels, code: typeof code === "string" ? code : "error" });
    throw error;
  }
}

export function recordCreditsConsumed(kind: "capture" | "charge", amount: number) {
  metrics().creditsConsumed.inc({ kind }, amount);
}

/** The part of the app a path belongs to, by its first segment's prefix (routes are flat). */
function areaOf(path: string) {
  const first = path.split(/[/?]/)[1] ?? "";
  const prefix = first.split(".")[0] ?? "";
  if (
    ["app", "api", "auth", "webhooks", "files", "build", "healthz", "readyz", "metrics"].includes(
      prefix,
    )
  ) {
    return prefix;
  }
  return first === "" ? "root" : "other";
}

export function observeHttpRequest(method: string, path: string, status: number, ms: number) {
  const { httpRequests, httpSeconds } = metrics();
  const area = areaOf(path);
  httpRequests.inc({ method, status: String(status), area });
  httpSeconds.observe({ method, area }, ms / 1000);
}

// --- The endpoint -------------------------------------------------------------------------------

function sameToken(given: string, expected: string) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Compared in constant time; a length mismatch says only that, not where the tokens differ.
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * GET /metrics: 404 when no METRICS_TOKEN is configured (the endpoint does not exist), 401
 * without the right `Authorization: Bearer <token>`, else the registry in Prometheus' text format.
 */
export async function metricsResponse(
  request: Request,
  token: string | undefined,
): Promise<Response> {
  if (!token) return new Response("Not Found", { status: 404 });
  const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  if (!given || !sameToken(given, token)) {
    return new Response("Unauthorized", {
      status: 401,
      headers: { "WWW-Authenticate": 'Bearer realm="metrics"' },
    });
  }
  const { registry } = metrics();
  return new Response(await registry.metrics(), {
    headers: { "Content-Type": registry.contentType, "Cache-Control": "no-store" },
  });
}
