/**
 * `npm run worker`: a process that only runs job steps, for deployments with JOB_WORKERS=separate
 * (several web processes, workers scaled on their own). With WORKER_HTTP_PORT it answers /healthz,
 * /readyz and /metrics for orchestrators.
 *
 * SIGTERM (or SIGINT): the schedules stop, no new step starts, running steps get the queue's grace
 * period to finish (a step cut short is resumed by another worker once its lease lapses), the
 * probe server closes, and the process exits 0.
 */
import { getEnv } from "../env.server.ts";
import { logger } from "../observability/logger.server.ts";
import { scrubProcessOutput } from "../observability/scrub-output.server.ts";
import { startWorkerHttp } from "../observability/worker-http.server.ts";
import { adminClientStats } from "../shopify/admin-client.server.ts";

import { DEFAULT_TUNING } from "./queue/types.ts";
import { startWorkers, stopWorkers } from "./runtime.server.ts";

/** Past the grace period, how long closing connections may take before the process just exits. */
const SHUTDOWN_MARGIN_MS = 15_000;

// Workers print errors too (a provider's message may quote a URL or a token): the same scrubbing
// as the web process, once the configuration is loaded.
const env = getEnv();
scrubProcessOutput();
const deps = startWorkers();
const probes = env.workerHttpPort
  ? await startWorkerHttp({ port: env.workerHttpPort, deps, metricsToken: env.metricsToken })
  : null;
logger.info("worker started", { workerId: deps.workerId, httpPort: probes?.port });

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("worker stopping: finishing running steps", { workerId: deps.workerId, signal });
  setTimeout(() => {
    logger.error("worker shutdown overran its grace period; exiting", { workerId: deps.workerId });
    process.exit(1);
  }, DEFAULT_TUNING.closeGraceMs + SHUTDOWN_MARGIN_MS).unref();
  await stopWorkers();
  await probes?.close();
  await deps.db.$disconnect();
  // For operators (and bench:jobs): what this process asked of Shopify, and what it cost.
  logger.info("worker stopped", { workerId: deps.workerId, signal, adminApi: adminClientStats() });
  process.exit(0);
}

process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
