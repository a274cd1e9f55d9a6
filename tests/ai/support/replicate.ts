import http from "node:http";
import type { AddressInfo } from "node:net";

import { createAiProvider, type ReplicateProviderOptions } from "../../../app/ai";
import {
  EMULATOR_TOKEN,
  startReplicateEmulator,
  type ReplicateEmulatorOptions,
} from "../../../emulators/replicate/src/server";

/** The emulator for a test file, and providers wired to it the way production wires Replicate. */
export async function startTestReplicate(options: ReplicateEmulatorOptions = {}) {
  const emulator = await startReplicateEmulator({ webhookRetryDelaysMs: [50], ...options });
  return {
    emulator,
    provider(overrides: Partial<ReplicateProviderOptions> = {}) {
      return createAiProvider("replicate", {
        token: EMULATOR_TOKEN,
        baseUrl: emulator.baseUrl,
        pollIntervalMs: 100,
        syncWaitSeconds: 0,
        lookupDelayMs: 50,
        retry: { baseDelayMs: 20, maxDelayMs: 100 },
        ...overrides,
      });
    },
    close: () => emulator.close(),
  };
}

/**
 * The app's webhook endpoint over real HTTP: the raw request goes to whatever handler is set
 * (the provider's handleWebhook), and every answer is recorded.
 */
export async function startWebhookReceiver() {
  const answers: Array<{ status: number; webhookId: string | null }> = [];
  let handler: (request: Request) => Promise<Response> = async () =>
    new Response(null, { status: 503 });
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = new Request(new URL(req.url ?? "/", "http://127.0.0.1"), {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: Buffer.concat(chunks),
    });
    const response = await handler(request);
    answers.push({ status: response.status, webhookId: request.headers.get("webhook-id") });
    res.writeHead(response.status);
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/replicate`;
  return {
    url,
    answers,
    handle(next: (request: Request) => Promise<Response>) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Polls `check` until it returns a truthy value (or fails after `timeoutMs`). */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
