import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import zlib from "node:zlib";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { downloadImage, ImageDownloadError } from "~/shopify/image-download.server";

import { CATALOG_DIR } from "../../emulators/shopify/src/seed";

const JPEG = fs.readFileSync(path.join(CATALOG_DIR, "abel-y-costa-716024-unsplash.jpg"));
const MB = 1_000_000;

/** Requests per path, to see what was retried. */
const hits = new Map<string, number>();
let server: http.Server;
let base: string;

/** Streams `total` bytes in 64 KB chunks, honouring back-pressure, until the client goes away. */
function pump(res: http.ServerResponse, total: number, fill = 0) {
  const chunk = Buffer.alloc(64 * 1024, fill);
  let sent = 0;
  const next = () => {
    while (sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", next);
    }
    res.end();
  };
  res.on("error", () => {});
  next();
}

const routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {
  "/photo.jpg": (_req, res) => {
    res.writeHead(200, { "Content-Type": "image/jpeg", "Content-Length": JPEG.length });
    res.end(JPEG);
  },
  // Says how big it is, honestly: refused before its body is read.
  "/huge.jpg": (_req, res) => {
    res.writeHead(200, { "Content-Type": "image/jpeg", "Content-Length": 83 * MB });
    pump(res, 83 * MB);
  },
  // Says nothing about its size and keeps sending.
  "/endless.jpg": (_req, res) => {
    res.writeHead(200, { "Content-Type": "image/jpeg" });
    pump(res, 200 * MB);
  },
  // Its Content-Length is 5 KB, but the 5 KB are gzip that unpacks to 20 MB.
  "/bomb.jpg": (_req, res) => {
    const packed = zlib.gzipSync(Buffer.alloc(20 * MB));
    res.writeHead(200, {
      "Content-Type": "image/jpeg",
      "Content-Encoding": "gzip",
      "Content-Length": packed.length,
    });
    res.end(packed);
  },
  "/gone.jpg": (_req, res) => {
    res.writeHead(404).end("Not Found");
  },
  "/forbidden.jpg": (_req, res) => {
    res.writeHead(403).end("Forbidden");
  },
  // Fails twice, then works: within the retries.
  "/flaky.jpg": (req, res) => {
    if ((hits.get(req.url!) ?? 0) <= 2) return void res.writeHead(503).end("busy");
    routes["/photo.jpg"]!(req, res);
  },
  "/down.jpg": (_req, res) => {
    res.writeHead(502).end("Bad Gateway");
  },
  "/slow-down.jpg": (req, res) => {
    if ((hits.get(req.url!) ?? 0) === 1) {
      return void res.writeHead(429, { "Retry-After": "0" }).end("slow down");
    }
    routes["/photo.jpg"]!(req, res);
  },
  // Cuts the connection after promising more.
  "/cut.jpg": (_req, res) => {
    res.writeHead(200, { "Content-Type": "image/jpeg", "Content-Length": JPEG.length });
    res.write(JPEG.subarray(0, 1000), () => res.destroy());
  },
  "/no-answer.jpg": () => {},
  "/stalls.jpg": (_req, res) => {
    res.writeHead(200, { "Content-Type": "image/jpeg", "Content-Length": JPEG.length });
    res.write(JPEG.subarray(0, 1000));
  },
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    const route = routes[req.url!];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => hits.clear());

const fast = { retryDelayMs: 10, timeoutMs: 2_000 };

async function failure(url: string, options: Parameters<typeof downloadImage>[1] = {}) {
  const error = await downloadImage(url, { ...fast, ...options }).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImageDownloadError);
  return error as ImageDownloadError;
}

describe("downloadImage", () => {
  it("downloads the image's bytes", async () => {
    const bytes = await downloadImage(`${base}/photo.jpg`, fast);
    expect(bytes.equals(JPEG)).toBe(true);
  });

  it("refuses an image whose announced size is over the limit, naming both sizes", async () => {
    const error = await failure(`${base}/huge.jpg`);
    expect(error).toMatchObject({ code: "too_large", retryable: false });
    expect(error.message).toBe("The image is 83 MB; Photo Studio accepts images up to 50 MB.");
  });

  it("stops a download without a Content-Length as soon as it passes the limit", async () => {
    const started = Date.now();
    const error = await failure(`${base}/endless.jpg`, { maxBytes: 1 * MB });
    expect(error).toMatchObject({ code: "too_large", retryable: false });
    expect(error.message).toBe(
      "The image is larger than 1.0 MB; Photo Studio accepts images up to 1.0 MB.",
    );
    // 200 MB were on offer; stopping at 1 MB is quick.
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("counts what arrives, not what Content-Length claims, for a compressed body", async () => {
    const error = await failure(`${base}/bomb.jpg`, { maxBytes: 1 * MB });
    expect(error).toMatchObject({ code: "too_large", retryable: false });
    // The same body fits a limit above what it unpacks to.
    expect((await downloadImage(`${base}/bomb.jpg`, { maxBytes: 21 * MB })).length).toBe(20 * MB);
  });

  it("reports a missing image as not found, without retrying", async () => {
    const error = await failure(`${base}/gone.jpg`);
    expect(error).toMatchObject({ code: "not_found", retryable: false, status: 404 });
    expect(error.message).toMatch(/no longer in your store/);
    expect(hits.get("/gone.jpg")).toBe(1);
  });

  it("does not retry a refusal", async () => {
    const error = await failure(`${base}/forbidden.jpg`);
    expect(error).toMatchObject({ code: "unavailable", retryable: false, status: 403 });
    expect(hits.get("/forbidden.jpg")).toBe(1);
  });

  it("retries server errors a couple of times with backoff", async () => {
    const bytes = await downloadImage(`${base}/flaky.jpg`, fast);
    expect(bytes.equals(JPEG)).toBe(true);
    expect(hits.get("/flaky.jpg")).toBe(3);
  });

  it("gives up after its retries with an error the queue may retry later", async () => {
    const error = await failure(`${base}/down.jpg`);
    expect(error).toMatchObject({ code: "unavailable", retryable: true, status: 502 });
    expect(hits.get("/down.jpg")).toBe(3);
  });

  it("honours Retry-After on 429", async () => {
    expect((await downloadImage(`${base}/slow-down.jpg`, fast)).equals(JPEG)).toBe(true);
    expect(hits.get("/slow-down.jpg")).toBe(2);
  });

  it("retries a connection cut mid-image", async () => {
    const error = await failure(`${base}/cut.jpg`);
    expect(error).toMatchObject({ code: "unavailable", retryable: true });
    expect(hits.get("/cut.jpg")).toBe(3);
  });

  it.each(["/no-answer.jpg", "/stalls.jpg"])(
    "times out when %s takes too long, once, for the queue to retry",
    async (route) => {
      const started = Date.now();
      const error = await failure(`${base}${route}`, { timeoutMs: 300 });
      expect(error).toMatchObject({ code: "timeout", retryable: true });
      expect(error.message).toMatch(/took longer than/);
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(hits.get(route)).toBe(1);
    },
  );

  it("stops when the caller cancels, with the caller's reason", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("job canceled")), 100);
    await expect(
      downloadImage(`${base}/no-answer.jpg`, { ...fast, signal: controller.signal }),
    ).rejects.toThrow("job canceled");
  });

  it.each([
    "http://cdn.example.com/photo.jpg",
    "ftp://127.0.0.1/photo.jpg",
    "file:///etc/passwd",
    "data:image/jpeg;base64,/9j/",
    "not a url",
  ])("refuses %s without fetching it", async (url) => {
    const error = await failure(url);
    expect(error).toMatchObject({ code: "unavailable", retryable: false });
  });

  it("refuses plain http even on this machine in production", async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      const error = await failure(`${base}/photo.jpg`);
      expect(error.message).toMatch(/secure \(https\) connection/);
      expect(hits.get("/photo.jpg")).toBeUndefined();
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it("in production, takes plain http only from the local dev store it was pointed at", async () => {
    const previous = { env: process.env.NODE_ENV, store: process.env.SHOPIFY_DEV_STORE_URL };
    process.env.NODE_ENV = "production";
    try {
      process.env.SHOPIFY_DEV_STORE_URL = "http://127.0.0.1:1";
      const error = await failure(`${base}/photo.jpg`);
      expect(error.message).toMatch(/secure \(https\) connection/);
      expect(hits.get("/photo.jpg")).toBeUndefined();

      process.env.SHOPIFY_DEV_STORE_URL = `${base}/`;
      const downloaded = await downloadImage(`${base}/photo.jpg`, fast);
      expect(downloaded.length).toBeGreaterThan(0);
    } finally {
      process.env.NODE_ENV = previous.env;
      if (previous.store === undefined) delete process.env.SHOPIFY_DEV_STORE_URL;
      else process.env.SHOPIFY_DEV_STORE_URL = previous.store;
    }
  });
});
