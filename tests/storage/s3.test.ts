/**
 * What only the S3 backend does: a prefix inside a shared bucket, erasure in batches, S3's
 * failures turned into plain StorageErrors, and being chosen by STORAGE_URL. What every backend
 * does is in storage-contract.test.ts.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { inspect } from "node:util";

import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { parseEnv } from "~/env.server";
import { jobPrefix, originalKey, shopPrefix, variantKey } from "~/storage/keys";
import { storageFor, storageReady, type ObjectStorage } from "~/storage/object-storage.server";
import { createS3Storage, type S3StorageConfig } from "~/storage/s3-storage.server";

import {
  S3_ACCESS_KEY_ID,
  S3_SECRET_ACCESS_KEY,
  startS3Server,
  type TestS3Server,
} from "../support/s3-server";

const SHOP = "hats-and-more.myshopify.com";
const SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
const KEY_ID = "AKIAEXAMPLEPHOTOSTUDIO";

let server: TestS3Server;
let raw: S3Client;
let buckets = 0;

beforeAll(async () => {
  server = await startS3Server();
  raw = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { ...server.credentials },
  });
});

afterAll(async () => {
  raw.destroy();
  await server.close();
});

/** A new, empty bucket on the server. */
async function freshBucket(): Promise<string> {
  const bucket = `${server.bucket}-s${(buckets += 1)}`;
  await raw.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function rawGet(bucket: string, key: string): Promise<string> {
  const found = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return found.Body!.transformToString();
}

const put = (storage: ObjectStorage, key: string, body = key) =>
  storage.put(key, Buffer.from(body), { contentType: "image/png" });

/** Runs `count` tasks, `width` at a time. */
async function inBatches(count: number, width: number, task: (index: number) => Promise<void>) {
  for (let start = 0; start < count; start += width) {
    await Promise.all(
      Array.from({ length: Math.min(width, count - start) }, (_, offset) => task(start + offset)),
    );
  }
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Everything a log could show of an error, its causes included. */
const everything = (error: unknown) => inspect(error, { depth: 20, showHidden: true });

describe("S3 storage", () => {
  it("keeps its objects under its prefix in the bucket, apart from another prefix's", async () => {
    const bucket = await freshBucket();
    const staging = createS3Storage({ ...server.config("staging/"), bucket });
    const production = createS3Storage({ ...server.config("production/app/"), bucket });
    const key = originalKey(SHOP, "job1", "item1", "jpg");

    await put(staging, key, "staging bytes");
    await put(production, key, "production bytes");
    expect(await rawGet(bucket, `staging/${key}`)).toBe("staging bytes");
    expect(await rawGet(bucket, `production/app/${key}`)).toBe("production bytes");
    expect((await staging.get(key)).toString()).toBe("staging bytes");
    // A storage on the bare bucket sees neither: "staging/…" is not one of its keys.
    const bare = createS3Storage({ ...server.config(), bucket });
    expect(await bare.list(shopPrefix(SHOP))).toEqual([]);

    // Keys come back without the prefix, and erasing a shop in one leaves the other whole.
    expect((await production.list(shopPrefix(SHOP))).map((entry) => entry.key)).toEqual([key]);
    expect(await staging.deletePrefix(shopPrefix(SHOP))).toBe(1);
    expect(await staging.exists(key)).toBe(false);
    expect((await production.get(key)).toString()).toBe("production bytes");

    // What other tools leave in the bucket (a console's "folder" marker) is not an object here,
    // but erasure takes it too.
    await raw.send(
      new PutObjectCommand({ Bucket: bucket, Key: `production/app/${shopPrefix(SHOP)}` }),
    );
    expect((await production.list(shopPrefix(SHOP))).map((entry) => entry.key)).toEqual([key]);
    expect(await production.deletePrefix(shopPrefix(SHOP))).toBe(2);
  });

  it("refuses a key that the prefix would push past S3's 1,024 characters", async () => {
    const storage = createS3Storage({
      ...server.config(`${"p".repeat(100)}/`),
      bucket: server.bucket,
    });
    const key = `shops/${Array.from({ length: 5 }, () => "k".repeat(190)).join("/")}`;
    expect(key.length).toBeLessThan(1_024);
    expect(key.length + 101).toBeGreaterThan(1_024);
    await expect(put(storage, key)).rejects.toMatchObject({ code: "invalid_key" });
    await expect(storage.get(key)).rejects.toMatchObject({ code: "invalid_key" });
  });

  it("erases more than a thousand objects with one DeleteObjects per listed page", async () => {
    const bucket = await freshBucket();
    const storage = createS3Storage({ ...server.config("app/"), bucket });
    const job = jobPrefix(SHOP, "big-job");
    const count = 1_234;
    await inBatches(count, 32, (index) =>
      put(storage, variantKey(SHOP, "big-job", `item${index}`, "v1", "png"), "x"),
    );
    const kept = originalKey(SHOP, "other-job", "item1", "jpg");
    await put(storage, kept);

    const before = server.requests.length;
    const started = performance.now();
    expect(await storage.deletePrefix(job)).toBe(count);
    const elapsedMs = performance.now() - started;
    const calls = server.requests.slice(before);

    // S3 lists at most 1,000 keys a page and deletes at most 1,000 per request: two of each.
    expect(
      calls.filter((call) => call.startsWith(`GET /${bucket}/?`) && call.includes("list-type=2")),
    ).toHaveLength(2);
    expect(calls.filter((call) => call.startsWith(`POST /${bucket}/?delete`))).toHaveLength(2);
    expect(calls).toHaveLength(4);
    expect(await storage.list(job)).toEqual([]);
    expect(await storage.exists(kept)).toBe(true);
    console.info(`[s3] deletePrefix of ${count} objects on s3rver: ${Math.round(elapsedMs)} ms`);
  }, 60_000);

  it("lists through every page, in key order, with each object's type", async () => {
    const bucket = await freshBucket();
    const storage = createS3Storage({ ...server.config(), bucket }, { pageSize: 100 });
    const keys = Array.from({ length: 250 }, (_, index) =>
      originalKey(SHOP, "job1", `item${String(index).padStart(3, "0")}`, "jpg"),
    );
    await inBatches(keys.length, 32, (index) =>
      storage.put(keys[index]!, Buffer.from("x"), { contentType: "image/jpeg" }),
    );

    const before = server.requests.length;
    const listed = await storage.list(jobPrefix(SHOP, "job1"));
    const calls = server.requests.slice(before);
    expect(listed.map((entry) => entry.key)).toEqual(keys);
    expect(new Set(listed.map((entry) => entry.contentType))).toEqual(new Set(["image/jpeg"]));
    expect(calls.filter((call) => call.includes("list-type=2"))).toHaveLength(3);
    // One HeadObject per object: what the type costs (ListObjectsV2 does not answer it).
    expect(calls.filter((call) => call.startsWith("HEAD "))).toHaveLength(250);

    expect(await storage.deletePrefix(jobPrefix(SHOP, "job1"))).toBe(250);
  }, 60_000);

  it("answers an unreachable store with a retryable, merchant-safe failure that holds no credential", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const storage = createS3Storage({
      ...server.config(),
      endpoint,
      credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
    });
    const key = originalKey(SHOP, "job1", "item1", "jpg");

    const error = await put(storage, key).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: "StorageError",
      code: "unavailable",
      retryable: true,
      message: "Photo Studio could not save the image on its storage. It will try again shortly.",
    });
    for (const failed of [
      error,
      await storage.get(key).catch((caught: unknown) => caught),
      await storage.list(shopPrefix(SHOP)).catch((caught: unknown) => caught),
      await storage.deletePrefix(shopPrefix(SHOP)).catch((caught: unknown) => caught),
    ]) {
      expect(failed).toMatchObject({ code: "unavailable", retryable: true });
      expect(everything(failed)).toContain("ECONNREFUSED");
      expect(everything(failed)).not.toContain(SECRET);
      expect(everything(failed)).not.toContain(KEY_ID);
    }

    await expect(storageReady(storage)).rejects.toThrow(
      `The storage bucket "${server.bucket}" at ${endpoint} does not answer (ECONNREFUSED).`,
    );
  });

  it("gives up a readiness check on a store that accepts connections but never answers", async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const storage = createS3Storage({ ...server.config(), endpoint: `http://127.0.0.1:${port}` });
      const started = performance.now();
      await expect(storageReady(storage, { timeoutMs: 300 })).rejects.toThrow(
        "The storage did not answer within 300 ms.",
      );
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      silent.close();
    }
  });

  it("names a missing bucket: plainly to a merchant, exactly to the operator", async () => {
    const storage = createS3Storage({ ...server.config(), bucket: "no-such-bucket-here" });
    const error = await put(storage, originalKey(SHOP, "job1", "item1", "jpg")).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: "unavailable",
      retryable: false,
      message:
        "Photo Studio could not save the image: its file storage is not set up correctly. The app's operator must fix this; trying again will not help.",
    });
    expect(everything(error)).toContain("NoSuchBucket");
    await expect(storageReady(storage)).rejects.toMatchObject({
      retryable: false,
      message: `The storage bucket "no-such-bucket-here" at ${server.endpoint} does not exist (HTTP 404 NotFound).`,
    });
  });

  it("refuses wrong credentials as an operator's problem, never retried, never echoed", async () => {
    const wrongSecret = createS3Storage({
      ...server.config(),
      credentials: { accessKeyId: server.credentials.accessKeyId, secretAccessKey: SECRET },
    });
    const unknownKey = createS3Storage({
      ...server.config(),
      credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
    });
    for (const [storage, s3Code] of [
      [wrongSecret, "SignatureDoesNotMatch"],
      [unknownKey, "InvalidAccessKeyId"],
    ] as const) {
      const error = await storage
        .get(originalKey(SHOP, "job1", "item1", "jpg"))
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: "unavailable",
        retryable: false,
        message:
          "Photo Studio could not read the image: its file storage refused the app access. The app's operator must fix this; trying again will not help.",
      });
      expect(everything(error)).toContain(s3Code);
      expect(everything(error)).not.toContain(SECRET);
      expect(everything(error)).not.toContain(KEY_ID);
      await expect(storageReady(storage)).rejects.toMatchObject({
        retryable: false,
        message: `The storage bucket "${server.bucket}" at ${server.endpoint} refuses the app's credentials (HTTP 403).`,
      });
    }
  });

  describe("when S3 answers with an error", () => {
    let answer = { status: 503, code: "SlowDown" };
    let requests = 0;
    const fake = http.createServer((request, response) => {
      requests += 1;
      request.resume();
      response.writeHead(answer.status, { "Content-Type": "application/xml" });
      response.end(
        request.method === "HEAD"
          ? undefined
          : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${answer.code}</Code><Message>${answer.code}</Message><RequestId>req-1</RequestId></Error>`,
      );
    });
    let storage: ObjectStorage;
    beforeAll(async () => {
      await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
      const { port } = fake.address() as AddressInfo;
      storage = createS3Storage(
        { ...server.config(), endpoint: `http://127.0.0.1:${port}` },
        { maxAttempts: 2 },
      );
    });
    afterAll(() => new Promise((resolve) => fake.close(resolve)));

    it.each([
      [503, "SlowDown", true],
      [500, "InternalError", true],
      [503, "ServiceUnavailable", true],
      [403, "AccessDenied", false],
      [400, "InvalidArgument", false],
    ])("treats HTTP %i %s as retryable: %s", async (status, code, retryable) => {
      answer = { status, code };
      requests = 0;
      const error = await storage
        .get(originalKey(SHOP, "job1", "item1", "jpg"))
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: "StorageError", code: "unavailable", retryable });
      expect(everything(error)).toContain(code);
      // The SDK itself tries a transient failure again before the job's own retries take over.
      expect(requests).toBe(retryable ? 2 : 1);
    });
  });
});

describe("choosing S3 by configuration", () => {
  const VALID = {
    SHOPIFY_API_KEY: "a1b2c3d4e5f6",
    SHOPIFY_API_SECRET: "0123456789abcdef0123456789abcdef",
    SHOPIFY_APP_URL: "https://photo-studio.example.com/",
  };

  it("stores in the bucket STORAGE_URL names, under its prefix, through one client", async () => {
    const env = parseEnv({ ...VALID, ...server.env("tenants/photo-studio") });
    expect(env.s3).toEqual<S3StorageConfig>({
      bucket: server.bucket,
      prefix: "tenants/photo-studio/",
      endpoint: server.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    });
    const storage = storageFor(env);
    expect(storageFor(env)).toBe(storage);
    await storageReady(storage);

    const key = originalKey(SHOP, "job1", "item1", "jpg");
    await put(storage, key, "configured");
    expect(await rawGet(server.bucket, `tenants/photo-studio/${key}`)).toBe("configured");
    await storage.delete(key);
  });
});
