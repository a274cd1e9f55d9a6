import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, it } from "vitest";

import db from "~/db.server";
import { DatabaseQueue } from "~/jobs/queue/database-queue.server";
import { observedQueue } from "~/jobs/queue/observed-queue.server";
import { logger, setLogSink } from "~/observability/logger.server";
import { startRequestLogging } from "~/observability/request-log.server";

/** Every line the logger writes from now on, parsed. */
function captureLogs() {
  const lines: Array<Record<string, unknown>> = [];
  const restore = setLogSink((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  cleanups.push(restore);
  return lines;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function eventually<T>(read: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("Timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the structured log", () => {
  it("writes one JSON object per event with time, level, message and fields", () => {
    const lines = captureLogs();
    logger.warn("something odd", { count: 3, error: new Error("disk full") });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "warn",
      msg: "something odd",
      count: 3,
      error: { name: "Error", message: "disk full" },
    });
    expect(new Date(lines[0]!.time as string).getTime()).toBeGreaterThan(Date.now() - 5_000);
  });

  it("scrubs credentials from everything it writes", () => {
    const lines: string[] = [];
    cleanups.push(setLogSink((line) => lines.push(line)));
    logger.error("Shopify refused", {
      url: "https://shop.example/admin?id_token=eyJhbGciOi.eyJkZXN0Ijoi.c2lnbmF0dXJl&x=1",
      header: "Authorization: Bearer abcdef0123456789",
      error: new Error("token shpat_0123456789abcdef leaked"),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/eyJkZXN0|abcdef0123456789|shpat_0123/);
    expect(lines[0]).toContain("[redacted]");
  });

  it("carries a queue task's ids into every line its step logs, across awaits", async () => {
    const lines = captureLogs();
    const queue = new DatabaseQueue(db, { pollMs: 20, backoffMs: 10, maxAttempts: 3 });
    cleanups.push(() => queue.close());
    const steps = observedQueue(queue, "worker-7:1234");
    const name = `job-generate-log-${Date.now()}`;
    steps.process(name, async ({ attempt }) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      logger.info("generating", { attempt });
      // The first attempt fails, so the retry's line shows its own attempt number.
      if (attempt === 1) throw new Error("provider busy");
    });
    await steps.enqueue(
      name,
      { shop: "log-shop.myshopify.com", jobId: "job_1", itemId: "item_1" },
      { key: "generate:item_1:0" },
    );
    const generating = await eventually(() => {
      const found = lines.filter((line) => line.msg === "generating");
      return found.length === 2 ? found : undefined;
    });
    for (const [index, line] of generating.entries()) {
      expect(line).toMatchObject({
        level: "info",
        shop: "log-shop.myshopify.com",
        jobId: "job_1",
        itemId: "item_1",
        queue: name,
        key: "generate:item_1:0",
        attempt: index + 1,
        workerId: "worker-7:1234",
      });
    }
    // Outside the step, nothing of it sticks.
    logger.info("after");
    expect(lines.at(-1)).not.toHaveProperty("jobId");
  });

  it("gives what a request logs the request log's id for it", async () => {
    const lines = captureLogs();
    const requestLog: string[] = [];
    cleanups.push(startRequestLogging({ write: (line) => requestLog.push(line) }));
    const server = http.createServer((_request, response) => {
      setTimeout(() => {
        logger.info("serving");
        response.end("ok");
      }, 5);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;

    await fetch(`http://127.0.0.1:${port}/app/jobs`, { headers: { "X-Request-Id": "req-abc-1" } });
    const fresh = await fetch(`http://127.0.0.1:${port}/app/jobs`);
    await fresh.text();

    const serving = await eventually(() => {
      const found = lines.filter((line) => line.msg === "serving");
      return found.length === 2 && requestLog.length === 2 ? found : undefined;
    });
    expect(serving[0]!.requestId).toBe("req-abc-1");
    // Without the header both lines share the id the request log made up.
    const made = (JSON.parse(requestLog[1]!) as { requestId: string }).requestId;
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    expect(serving[1]!.requestId).toBe(made);
  });
});
