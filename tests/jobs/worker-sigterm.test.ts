import net from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startJob } from "~/jobs/start-job.server";
import { DEFAULT_TUNING } from "~/jobs/queue/types";

import { BACKENDS, startJobHarness, waitFor, type JobHarness } from "./support/job-harness";
import { spawnWorker } from "./support/worker-process";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The worker's JSON log lines (anything else it printed is left out). */
function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe.each(BACKENDS)("a worker process told to stop (SIGTERM), $name", ({ backend }) => {
  let harness: JobHarness;

  beforeAll(async () => {
    harness = await startJobHarness({
      backend,
      products: 2,
      imagesPerProduct: 1,
      workers: false,
      // Each AI call takes a while, so a SIGTERM lands while generation steps run.
      replicate: { startingMs: 0, processingMs: 1_500 },
    });
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  });

  it("finishes the steps it is running, stops its probe server and exits 0 within the grace period", async () => {
    const port = await freePort();
    const worker = spawnWorker({ ...harness.workerEnv(), WORKER_HTTP_PORT: String(port) });
    try {
      await waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok
            ? true
            : undefined,
        { timeoutMs: 30_000, what: `the worker's probe server\n${worker.output()}` },
      );
      const job = await startJob(harness.deps, harness.shop, {
        selection: { productIds: harness.productGids() },
        recipe: { preset: "amazon" },
      });
      const items = () => harness.deps.db.jobItem.findMany({ where: { jobId: job.id } });
      const running = await waitFor(
        async () => {
          const found = (await items()).filter((item) => item.status === "processing");
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 30_000, what: "a generation step to be running" },
      );

      const signalledAt = Date.now();
      worker.child.kill("SIGTERM");
      const code = await worker.exited;
      const tookMs = Date.now() - signalledAt;

      expect(code, worker.output()).toBe(0);
      expect(tookMs).toBeLessThan(DEFAULT_TUNING.closeGraceMs + 5_000);
      // The steps under way when the signal came finished instead of being cut short.
      const after = await items();
      for (const item of running) {
        expect(after.find((candidate) => candidate.id === item.id)?.status).toBe(
          "ready_for_review",
        );
      }
      const lines = logLines(worker.output());
      expect(
        lines.find((line) => line.msg === "queue closed" && line.finished !== 0),
      ).toMatchObject({
        abandoned: 0,
      });
      expect(lines.at(-1)).toMatchObject({ msg: "worker stopped", signal: "SIGTERM" });
      // Its probe server is gone with it.
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

      // Whatever it had not started yet is still queued, and the next worker finishes it.
      if (after.some((item) => item.status !== "ready_for_review")) {
        const next = spawnWorker(harness.workerEnv());
        try {
          await waitFor(
            async () =>
              (await items()).every((item) => item.status === "ready_for_review")
                ? true
                : undefined,
            { timeoutMs: 60_000, what: "the next worker to finish the job" },
          );
        } finally {
          await next.stop();
        }
      }
    } finally {
      if (worker.child.exitCode === null) await worker.kill();
    }
  }, 120_000);
});
