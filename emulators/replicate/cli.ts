/**
 * Runs the Replicate emulator on its own, for the offline demo or manual testing:
 *
 *   node emulators/replicate/cli.ts [--port 8790] [--host 127.0.0.1] [--processing-ms 800]
 *
 * then point the app at it with REPLICATE_BASE_URL=<printed base URL> and the printed token.
 * Faults can be switched on over HTTP: POST /_emulator/faults with a JSON body (see faults.ts).
 */
import { parseArgs } from "node:util";

import { EMULATOR_TOKEN, startReplicateEmulator } from "./src/server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8790" },
    host: { type: "string", default: "127.0.0.1" },
    "processing-ms": { type: "string", default: "800" },
    "webhook-secret": { type: "string" },
  },
});

const emulator = await startReplicateEmulator({
  port: Number(values.port),
  host: values.host,
  processingMs: Number(values["processing-ms"]),
  webhookSigningSecret: values["webhook-secret"],
});
console.info(`Replicate emulator on ${emulator.url}
  REPLICATE_BASE_URL=${emulator.baseUrl}
  REPLICATE_API_TOKEN=${EMULATOR_TOKEN}
  REPLICATE_WEBHOOK_SIGNING_SECRET=${emulator.signingSecret}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void emulator.close().then(() => process.exit(0)));
}
