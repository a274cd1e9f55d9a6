import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it, vi } from "vitest";

import { createPrismaClient } from "~/db/client.server";
import db from "~/db.server";
import { resolveDatabaseTarget } from "~/db/database-url";
import { BullmqQueue } from "~/jobs/queue/bullmq-queue.server";
import { DatabaseQueue } from "~/jobs/queue/database-queue.server";
import { readinessResponse } from "~/observability/readiness.server";
import { startWorkerHttp } from "~/observability/worker-http.server";
import { loader as healthz } from "~/routes/healthz";
import { loader as readyz } from "~/routes/readyz";
import { createLocalDiskStorage } from "~/storage/local-disk.server";

import { callRoute } from "../support/shopify-requests";

// The runtime the routes use keeps its files here, not in the working tree.
const storageDir = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/photo-studio-readyz-${process.pid}`;
  process.env.STORAGE_DIR = dir;
  return dir;
});
afterAll(() => fs.rmSync(storageDir, { recursive: true, force: true }));

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const goodStorage = () =>
  createLocalDiskStorage(fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-ready-")));

describe("/healthz", () => {
  it("answers 200 while the process runs, asking nothing of the database", async () => {
    const response = await callRoute(healthz, new Request("http://app.test/healthz"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});

describe("/readyz", () => {
  it("answers 200 with every check's result when the database, queue and storage answer", async () => {
    const response = await callRoute(readyz, new Request("http://app.test/readyz"));
    const body = (await response.json()) as { status: string; checks: Record<string, unknown> };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe("ready");
    expect(Object.keys(body.checks).sort()).toEqual(["database", "queue", "storage"]);
    for (const check of Object.values(body.checks)) expect(check).toMatchObject({ status: "ok" });
  });

  it("answers 503 naming the queue when Redis does not answer, without its address", async () => {
    const port = await closedPort();
    const queue = new BullmqQueue({ redisUrl: `redis://:s3cret-pass@127.0.0.1:${port}` });
    const response = await readinessResponse({ db, queue, storage: goodStorage() });
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({
      status: "unready",
      failing: ["queue"],
      checks: {
        database: { status: "ok" },
        queue: { status: "failed" },
        storage: { status: "ok" },
      },
    });
    expect(text).not.toContain(String(port));
    expect(text).not.toContain("s3cret");
    await queue.close();
  });

  it("answers 503 naming the database when it is gone, without its connection string", async () => {
    const port = await closedPort();
    const gone = createPrismaClient(
      resolveDatabaseTarget(`postgresql://photo:hunter2-secret@127.0.0.1:${port}/nowhere`),
    );
    const response = await readinessResponse({
      db: gone,
      queue: new DatabaseQueue(gone),
      storage: goodStorage(),
    });
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({
      failing: ["database", "queue"],
      checks: { storage: { status: "ok" } },
    });
    expect(text).not.toMatch(/hunter2|photo:|nowhere|127\.0\.0\.1/);
    await gone.$disconnect();
  });

  it("answers 503 naming the storage when its folder cannot be written", async () => {
    const readOnly = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-ro-"));
    fs.chmodSync(readOnly, 0o500);
    try {
      const response = await readinessResponse({
        db,
        queue: new DatabaseQueue(db),
        storage: createLocalDiskStorage(path.join(readOnly, "files")),
      });
      const body = (await response.json()) as { failing: string[] };
      // Root ignores permissions; anyone else meets the read-only folder.
      if (process.getuid?.() === 0) return;
      expect(response.status).toBe(503);
      expect(body.failing).toEqual(["storage"]);
    } finally {
      fs.chmodSync(readOnly, 0o700);
      fs.rmSync(readOnly, { recursive: true, force: true });
    }
  });

  it("gives up on a check after its time limit", async () => {
    const hanging = { ready: () => new Promise<void>(() => {}) };
    const started = Date.now();
    const response = await readinessResponse(
      { db, queue: hanging, storage: goodStorage() },
      { timeoutMs: 300 },
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await response.json()).toMatchObject({
      failing: ["queue"],
      checks: { queue: { status: "failed", reason: "timed out after 300 ms" } },
    });
  });
});

describe("a worker process's probe server", () => {
  it("answers /healthz, /readyz and a token-protected /metrics", async () => {
    const probes = await startWorkerHttp({
      port: 0,
      host: "127.0.0.1",
      deps: { db, queue: new DatabaseQueue(db), storage: goodStorage() },
      metricsToken: "worker-metrics-token-0123456789",
    });
    try {
      const base = `http://127.0.0.1:${probes.port}`;
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: "ready" });
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const metrics = await fetch(`${base}/metrics`, {
        headers: { Authorization: "Bearer worker-metrics-token-0123456789" },
      });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain("process_cpu_seconds_total");
      expect((await fetch(`${base}/anything-else`)).status).toBe(404);
    } finally {
      await probes.close();
    }
  });
});
