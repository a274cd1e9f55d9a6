import fs from "node:fs";

import type { EntryContext } from "@remix-run/node";
import { APP_URL, BASE64_HOST, TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import type HandleRequest from "~/entry.server";
import { getEnv } from "~/env.server";
import { loader as fileLoader } from "~/routes/files.$token";
import { originalKey } from "~/storage/keys";
import { storageFor } from "~/storage/object-storage.server";
import { signedFileUrl } from "~/storage/signed-url.server";

import { callRoute } from "../support/shopify-requests";

const storageDir = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/photo-studio-headers-${process.pid}-${Date.now()}`;
  Object.assign(process.env, { STORAGE_DIR: dir, JOB_WORKERS: "separate" });
  return dir;
});

let handleRequest: typeof HandleRequest;

beforeAll(async () => {
  ({ default: handleRequest } = await import("~/entry.server"));
});

afterAll(() => {
  globalThis.photoStudioOutputScrubbing?.();
  globalThis.photoStudioRequestLogging?.();
  fs.rmSync(storageDir, { recursive: true, force: true });
});

/**
 * The headers entry.server gives a document. They are set before rendering starts, so a context
 * with nothing to render (the render then fails) still shows them.
 */
async function documentHeaders(search: string) {
  const headers = new Headers();
  const request = new Request(`${APP_URL}/app?${search}`, {
    headers: { "Sec-Fetch-Dest": "iframe" },
  });
  // The failed render reports itself on console.error; that is expected here, not news.
  const quiet = vi.spyOn(console, "error").mockImplementation(() => undefined);
  try {
    await handleRequest(request, 200, headers, {} as EntryContext).catch(() => undefined);
  } finally {
    quiet.mockRestore();
  }
  return headers;
}

describe("embedded documents", () => {
  it("may be framed only by the shop's own admin and Shopify's admin (frame-ancestors)", async () => {
    const headers = await documentHeaders(
      new URLSearchParams({ embedded: "1", shop: TEST_SHOP, host: BASE64_HOST }).toString(),
    );
    // https://shopify.dev/docs/apps/build/security/set-up-iframe-protection
    expect(headers.get("Content-Security-Policy")).toMatch(
      new RegExp(`^frame-ancestors https://${TEST_SHOP} https://admin\\.shopify\\.com[ ;]`),
    );
  });

  it("never name a host that is not a Shopify shop as a frame ancestor", async () => {
    const headers = await documentHeaders(
      new URLSearchParams({
        embedded: "1",
        shop: "evil.example.com",
        host: BASE64_HOST,
      }).toString(),
    );
    expect(headers.get("Content-Security-Policy") ?? "").not.toContain("evil.example.com");
  });
});

describe("file links", () => {
  const KEY = originalKey(TEST_SHOP, "job1", "item1", "png");

  beforeAll(async () => {
    await storageFor(getEnv()).put(KEY, Buffer.from("not really a png"), {
      contentType: "image/png",
    });
  });

  const fetchLink = (path: string) =>
    callRoute(
      (args) => fileLoader({ ...args, params: { token: path.slice("/files/".length) } }),
      new Request(new URL(path, APP_URL)),
    );

  it("are served unsniffable, unframeable, scriptless and cached privately until they expire", async () => {
    const response = await fetchLink(signedFileUrl(TEST_SHOP, KEY, { ttlSeconds: 600 }));
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Content-Security-Policy")).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(response.headers.get("Cache-Control")).toMatch(/^private, max-age=(600|599)$/);
  });

  it("refuse a bad link with the same restrictive headers and no caching at all", async () => {
    const link = signedFileUrl(TEST_SHOP, KEY);
    const response = await fetchLink(`${link.slice(0, -2)}xx`);
    expect(response.status).toBe(403);
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Content-Security-Policy")).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  });
});
