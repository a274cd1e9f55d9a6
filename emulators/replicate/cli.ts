/**
 * Runs the Replicate emulator on its own, for the offline demo, manual testing or a benchmark:
 *
 *   node emulators/replicate/cli.ts [--port 8790] [--host 127.0.0.1] [--processing-ms 800]
 *     [--latency-ms 2000] [--rate-limits] [--failure-rate 0.1] [--create-failure-rate 0.05]
 *     [--seed 1]
 *
 * then point the app at it with REPLICATE_BASE_URL=<printed base URL> and the printed token.
 * --latency-ms fixes every prediction's time from creation to finish; --rate-limits enforces
 * Replicate's own limits (600 creations and 3000 other requests a minute); the failure rates make
 * that share of predictions fail, or of creations answer 503, drawn from --seed.
 * Faults can be switched on over HTTP: POST /_emulator/faults with a JSON body (see faults.ts);
 * latency and rate limits with POST /_emulator/config; GET /_emulator/billing lists what was billed.
 */
import { parseArgs } from "node:util";

import { EMULATOR_TOKEN, startReplicateEmulator } from "./src/server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8790" },
    host: { type: "string", default: "127.0.0.1" },
    "processing-ms": { type: "string", default: "800" },
    "latency-ms": { type: "string" },
    "rate-limits": { type: "boolean", default: false },
    "failure-rate": { type: "string" },
    "create-failure-rate": { type: "string" },
    seed: { type: "string" },
    "webhook-secret": { type: "string" },
  },
});

function numberOption(name: keyof typeof values, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined || typeof raw !== "string") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    console.error(`--${name} must be a number from ${min} to ${max}, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

const emulator = await startReplicateEmulator({
  port: Number(values.port),
  host: values.host,
  processingMs: numberOption("processing-ms", 0, 3_600_000),
  latencyMs: numberOption("latency-ms", 0, 3_600_000),
  rateLimits: values["rate-limits"],
  webhookSigningSecret: values["webhook-secret"],
});
const failureRate = numberOption("failure-rate", 0, 1);
const createFailureRate = numberOption("create-failure-rate", 0, 1);
const seed = numberOption("seed", -(2 ** 31), 2 ** 31);
if (failureRate !== undefined || createFailureRate !== undefined) {
  emulator.inject({ failureRate, createFailureRate, seed });
}
console.info(`Replicate emulator on ${emulator.url}
  REPLICATE_BASE_URL=${emulator.baseUrl}
  REPLICATE_API_TOKEN=${EMULATOR_TOKEN}
  REPLICATE_WEBHOOK_SIGNING_SECRET=${emulator.signingSecret}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void emulator.close().then(() => process.exit(0)));
}
