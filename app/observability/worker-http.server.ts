/**
 * What a worker process (`npm run worker`, no web server of its own) answers on WORKER_HTTP_PORT,
 * so orchestrators can probe it like the web process: GET /healthz, /readyz and /metrics, the same
 * answers as the web routes. Nothing else is served.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

import { metricsResponse } from "./metrics.server.ts";
import { livenessResponse, readinessResponse, type ReadinessDeps } from "./readiness.server.ts";

export interface WorkerHttpOptions {
  port: number;
  host?: string;
  deps: ReadinessDeps;
  metricsToken?: string;
}

export interface WorkerHttp {
  port: number;
  close(): Promise<void>;
}

async function answer(request: Request, options: WorkerHttpOptions): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Method Not Allowed", { status: 405, headers: { Allow: "GET, HEAD" } });
  }
  switch (new URL(request.url).pathname) {
    case "/healthz":
      return livenessResponse();
    case "/readyz":
      return readinessResponse(options.deps);
    case "/metrics":
      return metricsResponse(request, options.metricsToken);
    default:
      return new Response("Not Found", { status: 404 });
  }
}

export function startWorkerHttp(options: WorkerHttpOptions): Promise<WorkerHttp> {
  const server = http.createServer((req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value);
    }
    const request = new Request(new URL(req.url ?? "/", "http://worker.local"), {
      method: req.method,
      headers,
    });
    void answer(request, options)
      .catch(() => new Response("Internal Server Error", { status: 500 }))
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(req.method === "HEAD" ? undefined : Buffer.from(await response.arrayBuffer()));
      });
  });
  // Probes are short; an idle keep-alive connection must not hold up shutdown.
  server.keepAliveTimeout = 1_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
