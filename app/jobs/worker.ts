/**
 * `npm run worker`: a process that only runs job steps, for deployments with JOB_WORKERS=separate
 * (several web processes, workers scaled on their own). SIGTERM lets running steps finish within
 * the queue's grace period; anything cut short is resumed by another worker.
 */
import { getEnv } from "../env.server.ts";
import { scrubProcessOutput } from "../observability/scrub-output.server.ts";
import { adminClientStats } from "../shopify/admin-client.server.ts";

import { startWorkers } from "./runtime.server.ts";

// Workers print errors too (a provider's message may quote a URL or a token): the same scrubbing
// as the web process, once the configuration is loaded.
getEnv();
scrubProcessOutput();
const deps = startWorkers();
console.log(`photo-studio worker ${deps.workerId} started`);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`photo-studio worker ${deps.workerId}: ${signal}, finishing running steps`);
  await deps.queue.close();
  await deps.db.$disconnect();
  // For operators (and bench:jobs): what this process asked of Shopify, and what it cost.
  console.log(
    `photo-studio worker ${deps.workerId} admin-api ${JSON.stringify(adminClientStats())}`,
  );
  process.exit(0);
}

process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
