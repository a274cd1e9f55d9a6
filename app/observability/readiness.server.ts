/**
 * Liveness and readiness, for orchestrators and load balancers.
 *
 * - /healthz: the process is alive and its event loop turns. Touches nothing outside: a database
 *   outage must not get every process restarted, only taken out of rotation.
 * - /readyz: this process can do its work now: the database answers `SELECT 1`, the queue's store
 *   answers (Redis PING for BullMQ, the task table for the database queue), and the storage
 *   answers (storageReady). Each check runs at once and has its own time limit; the answer is
 *   200 with every check's result, or 503 naming the ones that failed.
 *
 * Answers hold check names, durations, "timed out" and error codes, never an error's message:
 * database and Redis errors quote hosts, users and URLs. The details go to the log (scrubbed).
 */
import type { PrismaClient } from "@prisma/client";

import type { JobQueue } from "../jobs/queue/types.ts";
import { storageReady, type ObjectStorage } from "../storage/object-storage.server.ts";

import { logger } from "./logger.server.ts";

export const READINESS_TIMEOUT_MS = 2_000;

export interface ReadinessDeps {
  db: Pick<PrismaClient, "$queryRaw">;
  queue: Pick<JobQueue, "ready">;
  storage: ObjectStorage;
}

export interface CheckResult {
  status: "ok" | "failed";
  durationMs: number;
  /** Why it failed, in words safe to show anyone: "timed out after 2000 ms", "failed (P1001)". */
  reason?: string;
}

export interface Readiness {
  status: "ready" | "unready";
  checks: Record<string, CheckResult>;
}

class CheckTimeout extends Error {}

async function runCheck(
  name: string,
  check: () => Promise<unknown>,
  timeoutMs: number,
): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout()), timeoutMs);
  });
  const running = check();
  // A check that answers after its time is up must not become an unhandled rejection.
  running.catch(() => undefined);
  try {
    await Promise.race([running, late]);
    return { status: "ok", durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    const durationMs = Math.round(performance.now() - started);
    const timedOut = error instanceof CheckTimeout;
    logger.warn("readiness check failed", {
      check: name,
      durationMs,
      error: timedOut ? "timeout" : error,
    });
    const code = (error as { code?: unknown } | null)?.code;
    const reason = timedOut
      ? `timed out after ${timeoutMs} ms`
      : typeof code === "string" && /^[\w.-]{1,40}$/.test(code)
        ? `failed (${code})`
        : "failed";
    return { status: "failed", durationMs, reason };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(
  deps: ReadinessDeps,
  { timeoutMs = READINESS_TIMEOUT_MS }: { timeoutMs?: number } = {},
): Promise<Readiness> {
  const checks = {
    database: () => deps.db.$queryRaw`SELECT 1`,
    queue: () => deps.queue.ready(),
    // storageReady bounds its own wait too; ours is the one the answer reports.
    storage: () => storageReady(deps.storage, { timeoutMs: timeoutMs + 500 }),
  };
  const results = await Promise.all(
    Object.entries(checks).map(
      async ([name, check]) => [name, await runCheck(name, check, timeoutMs)] as const,
    ),
  );
  return {
    status: results.every(([, result]) => result.status === "ok") ? "ready" : "unready",
    checks: Object.fromEntries(results),
  };
}

const NO_STORE = { "Cache-Control": "no-store" };

export function livenessResponse(): Response {
  return Response.json({ status: "ok" }, { headers: NO_STORE });
}

export async function readinessResponse(
  deps: ReadinessDeps,
  options?: { timeoutMs?: number },
): Promise<Response> {
  const readiness = await checkReadiness(deps, options);
  const failing = Object.entries(readiness.checks)
    .filter(([, result]) => result.status === "failed")
    .map(([name]) => name);
  return Response.json(failing.length === 0 ? readiness : { ...readiness, failing }, {
    status: failing.length === 0 ? 200 : 503,
    headers: NO_STORE,
  });
}
