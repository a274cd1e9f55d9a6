import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import {
  API_KEY,
  API_SECRET_KEY,
  BASE64_HOST,
  TEST_SHOP,
  TEST_SHOP_NAME,
  getHmac,
  getJwt,
} from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { getEnv } from "~/env.server";
import { loader as appLoader } from "~/routes/app";
import { loader as extensionJobLoader } from "~/routes/api.extensions.jobs.$jobId";
import { loader as fileLoader } from "~/routes/files.$token";
import { action as uninstalled } from "~/routes/webhooks.app.uninstalled";
import { originalKey } from "~/storage/keys";
import { storageFor } from "~/storage/object-storage.server";
import { signedFileUrl } from "~/storage/signed-url.server";

import { installShops } from "../review/requests";
import { webhookRequest } from "../support/shopify-requests";

import { startRouteServer } from "./support/route-server";

const dirs = vi.hoisted(() => {
  const base = `${process.env.TMPDIR ?? "/tmp"}/photo-studio-log-scrubbing-${process.pid}-${Date.now()}`;
  Object.assign(process.env, {
    STORAGE_DIR: `${base}/storage`,
    LOG_DIR: `${base}/logs`,
    // Workers would start with entry.server; this file is about the web process's output only.
    JOB_WORKERS: "separate",
    REPLICATE_API_TOKEN: `r8_${"Zq4".repeat(12)}`,
  });
  return { base, logs: `${base}/logs` };
});

const OTHER_SHOP = "log-scrubbing-other.myshopify.com";
/** Shopify's library answers requests that look like bots with 410; these are a merchant's. */
const BROWSER = {
  "User-Agent":
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
};
const ACCESS_TOKEN = `shpat_${randomBytes(16).toString("hex")}`;
const SESSION_ID = randomBytes(32).toString("hex");
const LAUNCH_HMAC = randomBytes(32).toString("hex");

let output = "";
const restore: Array<() => void> = [];
let server: Awaited<ReturnType<typeof startRouteServer>>;

/** Every secret value the requests below carry; none may reach stdout, stderr or a log file. */
const secrets: Record<string, string> = {
  "the app's client secret": API_SECRET_KEY,
  "the Replicate API token": process.env.REPLICATE_API_TOKEN!,
  "the shop's access token": ACCESS_TOKEN,
  "the admin's session id": SESSION_ID,
  "the admin's launch hmac": LAUNCH_HMAC,
};

function capture(stream: NodeJS.WriteStream) {
  const original = stream.write;
  stream.write = ((chunk: string | Uint8Array) => {
    output += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof stream.write;
  restore.push(() => (stream.write = original));
}

function logFiles() {
  if (!fs.existsSync(dirs.logs)) return "";
  return fs
    .readdirSync(dirs.logs)
    .map((name) => fs.readFileSync(path.join(dirs.logs, name), "utf8"))
    .join("");
}

async function eventually(check: () => boolean, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("Timed out waiting for the request log");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  // What reaches the real streams is captured after the app's scrubbing, as a log collector would
  // read it; console writes to the streams as in production (the test runner's own console
  // would otherwise take the app's console output past them).
  capture(process.stdout);
  capture(process.stderr);
  const originalConsole = globalThis.console;
  const { Console } = process.getBuiltinModule("node:console");
  globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr });
  restore.push(() => (globalThis.console = originalConsole));
  await import("~/entry.server");
  restore.push(() => globalThis.photoStudioOutputScrubbing?.());
  restore.push(() => globalThis.photoStudioRequestLogging?.());

  await installShops(OTHER_SHOP);
  await installShops(TEST_SHOP);
  const { sessionStorage } = await import("~/shopify.server");
  const session = (await sessionStorage.loadSession(`offline_${TEST_SHOP}`))!;
  session.accessToken = ACCESS_TOKEN;
  await sessionStorage.storeSession(session);

  server = await startRouteServer([
    { path: /^\/app$/, loader: appLoader },
    { path: /^\/files\/(?<token>[^/]+)$/, loader: fileLoader },
    { path: /^\/api\/extensions\/jobs\/(?<jobId>[^/]+)$/, loader: extensionJobLoader },
    { path: /^\/webhooks\/app\/uninstalled$/, action: uninstalled },
    {
      // What an unexpected failure deep in a Shopify or Replicate call looks like when printed.
      path: /^\/app\/explode$/,
      loader: ({ request }) => {
        throw new Error(
          `Admin API call failed for ${request.url} with X-Shopify-Access-Token: ${ACCESS_TOKEN}, ` +
            `Authorization: ${request.headers.get("authorization")}, ` +
            `replicate token ${process.env.REPLICATE_API_TOKEN}, secret ${API_SECRET_KEY}`,
        );
      },
    },
  ]);
});

afterAll(async () => {
  await server?.close();
  while (restore.length) restore.pop()!();
  fs.rmSync(dirs.base, { recursive: true, force: true });
});

describe("logs", () => {
  it("never hold tokens, secrets, session ids or link signatures, whatever the request", async () => {
    const { token: idToken } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY);
    const { token: bearer } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY);
    secrets["the document's id_token"] = idToken;
    secrets["the extension's bearer token"] = bearer;

    // The URL Shopify admin opens the embedded app with.
    const launch = new URLSearchParams({
      embedded: "1",
      hmac: LAUNCH_HMAC,
      host: BASE64_HOST,
      id_token: idToken,
      locale: "en",
      session: SESSION_ID,
      shop: TEST_SHOP,
      timestamp: String(Math.floor(Date.now() / 1000)),
    });
    const document = await fetch(server.url(`/app?${launch}`), {
      headers: { ...BROWSER, "Sec-Fetch-Dest": "iframe" },
    });
    expect(document.status).toBe(200);

    const key = originalKey(TEST_SHOP, "job1", "item1", "jpg");
    await storageFor(getEnv()).put(key, Buffer.from("jpeg bytes"), { contentType: "image/jpeg" });
    const link = signedFileUrl(TEST_SHOP, key);
    secrets["the file link's signature"] = link.split(".").pop()!;
    expect((await fetch(server.url(link), { headers: BROWSER })).status).toBe(200);

    const extension = await fetch(server.url("/api/extensions/jobs/no-such-job"), {
      headers: {
        ...BROWSER,
        Authorization: `Bearer ${bearer}`,
        Origin: "https://extensions.shopifycdn.com",
      },
    });
    expect(extension.status).toBe(404);

    const delivery = webhookRequest("app/uninstalled", OTHER_SHOP, { id: 1 });
    const hmac = delivery.headers.get("X-Shopify-Hmac-Sha256")!;
    secrets["the webhook's HMAC"] = hmac;
    const signed = await fetch(server.url("/webhooks/app/uninstalled"), {
      method: "POST",
      headers: delivery.headers,
      body: await delivery.text(),
    });
    expect(signed.status).toBe(200);
    const forged = await fetch(server.url("/webhooks/app/uninstalled"), {
      method: "POST",
      headers: {
        ...Object.fromEntries(delivery.headers),
        "X-Shopify-Hmac-Sha256": getHmac("{}", "x".repeat(32)),
      },
      body: "{}",
    });
    expect(forged.status).toBe(401);

    const failure = await fetch(server.url(`/app/explode?${launch}`), {
      headers: { ...BROWSER, Authorization: `Bearer ${bearer}` },
    });
    expect(failure.status).toBe(500);

    // Each line is written once its response has finished: wait for the last ones of each kind.
    await eventually(() => {
      const written = logFiles();
      return (
        written.split('"path":"/webhooks/app/uninstalled"').length === 3 &&
        written.includes('"path":"/app/explode') &&
        written.trim().split("\n").length >= 6
      );
    });
    const everything = output + logFiles();
    // The failure was printed, scrubbed, not swallowed.
    expect(output).toContain("Admin API call failed for");
    expect(output).toContain("X-Shopify-Access-Token: [redacted]");
    expect(output).toContain("Authorization: Bearer [redacted]");
    for (const [what, value] of Object.entries(secrets)) {
      expect(everything.includes(value), `${what} appears in the logs`).toBe(false);
    }
  });

  it("hold one JSON line per request: time, method, path, status, duration, shop, request id", () => {
    const lines = logFiles()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const document = lines.find((line) => String(line.path).startsWith("/app?"));
    expect(document).toMatchObject({
      method: "GET",
      status: 200,
      shop: TEST_SHOP,
      path: expect.stringContaining("id_token=[redacted]"),
    });
    expect(document?.path).toContain("session=[redacted]");
    expect(document?.path).toContain("hmac=[redacted]");
    expect(document?.path).toContain("locale=en");
    expect(document?.durationMs).toEqual(expect.any(Number));
    expect(document?.requestId).toEqual(expect.any(String));
    expect(Date.parse(String(document?.time))).not.toBeNaN();

    const file = lines.find((line) => String(line.path).startsWith("/files/"));
    expect(file).toMatchObject({ status: 200, path: expect.stringMatching(/\.\[redacted\]$/) });
    expect(lines.find((line) => String(line.path).startsWith("/api/"))).toMatchObject({
      status: 404,
      shop: TEST_SHOP,
    });
    const webhooks = lines.filter((line) => line.path === "/webhooks/app/uninstalled");
    expect(webhooks.map((line) => [line.status, line.shop])).toEqual([
      [200, OTHER_SHOP],
      [401, OTHER_SHOP],
    ]);
    // The same lines went to stdout.
    expect(output).toContain(JSON.stringify(lines[0]));
  });
});
