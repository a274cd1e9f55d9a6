import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import db from "~/db.server";
import {
  createRequestLog,
  pruneRequestLogs,
  requestLogEntry,
  requestLogFileName,
} from "~/observability/request-log.server";
import { REDACTED, scrubPath, scrubText, secretValues } from "~/observability/scrub";
import { purgeExpired } from "~/retention/purge.server";

import { tempStorage } from "../retention/support";

const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJkZXN0IjoiaHR0cHM6Ly9hLm15c2hvcGlmeS5jb20ifQ.c2lnbmF0dXJlLXBhcnQ";
const DAY = 86_400_000;
const dirs: string[] = [];
function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-request-log-"));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the scrubber", () => {
  it.each([
    ["a Shopify access token", "token shpat_0123456789abcdef0123456789abcdef used", "shpat_0123"],
    ["a Shopify user token", "shpua_0123456789abcdef0123456789abcdef", "shpua_0123"],
    ["a Shopify shared secret", "secret=shpss_0123456789abcdef0123456789abcdef", "shpss_0123"],
    ["a Replicate token", "REPLICATE r8_AbCdEf0123456789XyZ", "r8_AbCdEf"],
    ["a JWT", `token ${JWT}`, "c2lnbmF0dXJlLXBhcnQ"],
    ["a bearer token", "Authorization: Bearer abc.def-ghi", "abc.def-ghi"],
    ["an access token header", "X-Shopify-Access-Token: plain-token-value", "plain-token-value"],
    [
      "JSON credentials",
      '{"accessToken":"plain-value-1","client_secret":"plain-value-2"}',
      "plain-value",
    ],
    [
      "a file link's signature",
      "GET /files/eyJwYXlsb2FkIn0.SiGnAtUrE_part-1 200",
      "SiGnAtUrE_part-1",
    ],
    ["query credentials", "/app?hmac=abc123&session=sess-1&id_token=x.y.z&shop=a", "abc123"],
  ])("hides %s", (_what, text, secret) => {
    const scrubbed = scrubText(text, []);
    expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain(REDACTED);
  });

  it("hides the exact values of the environment's secrets, and only those", () => {
    const secrets = secretValues({
      SHOPIFY_API_SECRET: "the-client-secret-value",
      REPLICATE_WEBHOOK_SIGNING_SECRET: "whsec_signing",
      SHOPIFY_API_KEY: "public-client-id",
      SHORT_TOKEN: "abc",
    });
    expect(secrets).toEqual(["the-client-secret-value", "whsec_signing"]);
    expect(scrubText("failed with the-client-secret-value for public-client-id", secrets)).toBe(
      `failed with ${REDACTED} for public-client-id`,
    );
  });

  it("keeps a path readable: the shop, the page and harmless parameters stay", () => {
    expect(
      scrubPath(`https://app.example/app/jobs?shop=a.myshopify.com&id_token=${JWT}&page=2`),
    ).toBe(`/app/jobs?shop=a.myshopify.com&id_token=${REDACTED}&page=2`);
  });
});

describe("the request log", () => {
  const request = {
    method: "GET",
    url: `/app?shop=a.myshopify.com&id_token=${JWT}`,
    header: (name: string) => ({ "x-request-id": "req-1" })[name],
  };

  it("writes one scrubbed JSON line per request to stdout and to the day's file", async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const log = createRequestLog({ dir, write: (line) => lines.push(line) });
    const started = new Date("2026-03-04T10:00:00.000Z");
    await log.record(requestLogEntry(request, { started, durationMs: 12.4, status: 200 }));
    const entry = {
      time: "2026-03-04T10:00:00.000Z",
      requestId: "req-1",
      method: "GET",
      path: `/app?shop=a.myshopify.com&id_token=${REDACTED}`,
      status: 200,
      durationMs: 12,
      shop: "a.myshopify.com",
    };
    expect(lines.map((line) => JSON.parse(line))).toEqual([entry]);
    const file = fs.readFileSync(path.join(dir, "requests-2026-03-04.jsonl"), "utf8");
    expect(JSON.parse(file)).toEqual(entry);
  });

  it("keeps 30 days of files, deletes older ones, and leaves other files alone", async () => {
    const dir = tempDir();
    const now = new Date("2026-03-31T12:00:00.000Z");
    const names = [0, 29, 30, 31, 90].map((days) =>
      requestLogFileName(new Date(now.getTime() - days * DAY)),
    );
    for (const name of [...names, "notes.txt"]) fs.writeFileSync(path.join(dir, name), "{}\n");
    expect(await pruneRequestLogs(dir, now)).toBe(2);
    expect(fs.readdirSync(dir).sort()).toEqual([...names.slice(0, 3), "notes.txt"].sort());
  });

  it("is pruned by the hourly retention run when LOG_DIR is set", async () => {
    const dir = tempDir();
    const now = new Date();
    const old = requestLogFileName(new Date(now.getTime() - 40 * DAY));
    fs.writeFileSync(path.join(dir, old), "{}\n");
    const disk = tempStorage();
    try {
      const report = await purgeExpired({ db, storage: disk.storage, requestLogDir: dir }, now);
      expect(report.requestLogsPruned).toBe(1);
      expect(fs.existsSync(path.join(dir, old))).toBe(false);
    } finally {
      disk.drop();
    }
  });
});
