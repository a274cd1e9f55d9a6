import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { QUEUES } from "~/jobs/deps.server";
import { startJob } from "~/jobs/start-job.server";
import { metricsResponse, trackQueueDepth } from "~/observability/metrics.server";
import { startRequestLogging } from "~/observability/request-log.server";
import { loader as metrics } from "~/routes/metrics";

import { startJobHarness, waitFor, type JobHarness } from "../jobs/support/job-harness";
import { callRoute } from "../support/shopify-requests";

// Read once by getEnv(), before anything imports the configuration.
const TOKEN = vi.hoisted(() => {
  const token = "metrics-token-for-tests-0123456789";
  process.env.METRICS_TOKEN = token;
  process.env.STORAGE_DIR = `${process.env.TMPDIR ?? "/tmp"}/photo-studio-metrics-${process.pid}`;
  return token;
});

const scrape = (authorization?: string) =>
  callRoute(
    metrics,
    new Request("http://app.test/metrics", {
      headers: authorization ? { Authorization: authorization } : {},
    }),
  );

/** The sum of every sample of `name` whose labels include `labels`, or null when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  let total: number | null = null;
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) {
      total = (total ?? 0) + Number(match[3]);
    }
  }
  return total;
}

describe("GET /metrics", () => {
  it("does not exist without a configured METRICS_TOKEN", async () => {
    const response = await metricsResponse(
      new Request("http://app.test/metrics", { headers: { Authorization: `Bearer ${TOKEN}` } }),
      undefined,
    );
    expect(response.status).toBe(404);
  });

  it("refuses a scrape without the token, or with a wrong one", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN.slice(0, -1)}x`)).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN}-and-more`)).status).toBe(401);
    expect((await scrape(`Basic ${TOKEN}`)).status).toBe(401);
  });

  it("answers the Prometheus text format with the token", async () => {
    const response = await scrape(`Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(sample(text, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(text).toContain("# TYPE photo_studio_job_step_duration_seconds histogram");
  });

  it("counts the HTTP requests the process serves, by area", async () => {
    const stop = startRequestLogging({ write: () => {} });
    const server = http.createServer((_request, response) => response.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const series = { method: "GET", status: "200", area: "webhooks" };
      const before =
        sample(
          await (await scrape(`Bearer ${TOKEN}`)).text(),
          "photo_studio_http_requests_total",
          series,
        ) ?? 0;
      await (await fetch(`http://127.0.0.1:${port}/webhooks/app/uninstalled?x=1`)).text();
      await waitFor(
        async () => {
          const text = await (await scrape(`Bearer ${TOKEN}`)).text();
          return sample(text, "photo_studio_http_requests_total", series) === before + 1
            ? true
            : undefined;
        },
        { timeoutMs: 5_000, intervalMs: 20, what: "the request to be counted" },
      );
    } finally {
      stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("the metrics of a real job", () => {
  let harness: JobHarness;
  let text = "";

  beforeAll(async () => {
    harness = await startJobHarness({ backend: "database", products: 2, imagesPerProduct: 1 });
    trackQueueDepth(harness.deps.queue, Object.values(QUEUES));
    const job = await startJob(harness.deps, harness.shop, {
      selection: { productIds: harness.productGids() },
      recipe: { preset: "amazon" },
      autoApprove: true,
    });
    await waitFor(
      async () => {
        const items = await harness.deps.db.jobItem.findMany({ where: { jobId: job.id } });
        return items.length === 2 && items.every((item) => item.status === "written")
          ? true
          : undefined;
      },
      { timeoutMs: 90_000, what: "the job's images to be written" },
    );
    text = await (await scrape(`Bearer ${TOKEN}`)).text();
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  it("times every step it ran, and the job from queueing to done", () => {
    for (const step of ["intake", "generate", "write"]) {
      expect(
        sample(text, "photo_studio_job_step_duration_seconds_count", { step, outcome: "ok" }),
        step,
      ).toBeGreaterThanOrEqual(step === "intake" ? 1 : 2);
      expect(sample(text, "photo_studio_job_duration_seconds_count", { step })).toBeGreaterThan(0);
    }
  });

  it("times the AI provider's calls by model", () => {
    const calls = {
      provider: "replicate",
      model: "bria/remove-background",
      operation: "remove-background",
      outcome: "ok",
    };
    expect(sample(text, "photo_studio_ai_call_duration_seconds_count", calls)).toBe(2);
    expect(sample(text, "photo_studio_ai_call_duration_seconds_sum", calls)).toBeGreaterThan(0);
  });

  it("counts what Shopify's Admin API cost, and the waits for the bucket", () => {
    expect(sample(text, "photo_studio_shopify_query_cost_total")).toBeGreaterThan(0);
    expect(sample(text, "photo_studio_shopify_requests_total", { outcome: "ok" })).toBeGreaterThan(
      0,
    );
    expect(sample(text, "photo_studio_shopify_throttle_wait_seconds_count")).toBeGreaterThan(0);
  });

  it("counts the credits the job consumed", () => {
    expect(
      sample(text, "photo_studio_credits_consumed_total", { kind: "capture" }),
    ).toBeGreaterThanOrEqual(2);
  });

  it("reports each queue's depth when scraped", () => {
    for (const queue of ["job-intake", "job-generate", "job-write"]) {
      expect(sample(text, "photo_studio_queue_depth", { queue, state: "waiting" }), queue).toBe(0);
      expect(sample(text, "photo_studio_queue_depth", { queue, state: "active" }), queue).toBe(0);
    }
  });
});
