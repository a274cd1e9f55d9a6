/**
 * A real S3-compatible server for tests: s3rver (the S3 REST API over HTTP, objects in a temporary
 * folder), on a free port of 127.0.0.1, with one bucket made. The app's S3 backend talks to it
 * with the AWS SDK exactly as it talks to S3, signatures included.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import type { IncomingMessage, Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

import type { S3StorageConfig } from "~/storage/s3-storage.server";

/** The part of s3rver's API used here (the package ships no types). */
interface S3rver {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
  /** Koa's middleware list, composed when the server starts listening. */
  middleware: Array<
    (ctx: { path: string; req: IncomingMessage }, next: () => Promise<void>) => unknown
  >;
}
const require = createRequire(import.meta.url);
const S3rver = require("@20minutes/s3rver") as new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string }>;
}) => S3rver;

/**
 * s3rver 4 checks a bucket request's signature against "/bucket", while the AWS SDK (like S3)
 * signs the path it sends, "/bucket/": every ListObjectsV2 and HeadBucket would fail with
 * SignatureDoesNotMatch. The fix hands s3rver's signature check the path as sent; signatures are
 * still checked, so a wrong secret is still refused.
 */
const SENT_PATH = "x-test-s3rver-sent-path";
const v4 = require("@20minutes/s3rver/lib/signature/v4") as {
  getStringToSign: (
    request: { uri: string; headers: Record<string, string> },
    ...rest: unknown[]
  ) => string;
  patched?: boolean;
};
if (!v4.patched) {
  const original = v4.getStringToSign;
  v4.getStringToSign = (request, ...rest) => {
    const sent = request.headers[SENT_PATH];
    const uri = sent?.endsWith("/") && `${request.uri}/` === sent ? sent : request.uri;
    return original({ ...request, uri }, ...rest);
  };
  v4.patched = true;
}

/**
 * s3rver encrypts its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17 and
 * later) no longer offers: every listing longer than a page fails with InternalError. The token
 * only hides a key name from the client, so AES-128-CTR, keyed from the same bytes, stands in for
 * DES; nothing else in the process asks for DES.
 */
type CipherFactory = (
  algorithm: string,
  key: Buffer,
  iv: Buffer | null,
  ...rest: unknown[]
) => unknown;
const nodeCrypto = require("node:crypto") as {
  createCipheriv: CipherFactory;
  createDecipheriv: CipherFactory;
  desStandIn?: boolean;
};
if (!nodeCrypto.desStandIn) {
  const widen = (bytes: Buffer) => Buffer.concat([bytes, bytes]);
  for (const name of ["createCipheriv", "createDecipheriv"] as const) {
    const factory = nodeCrypto[name];
    nodeCrypto[name] = (algorithm, key, iv, ...rest) =>
      algorithm === "des" && iv
        ? factory("aes-128-ctr", widen(key), widen(iv))
        : factory(algorithm, key, iv, ...rest);
  }
  nodeCrypto.desStandIn = true;
}

/**
 * s3rver deletes the objects of a DeleteObjects request all at once, and each then removes its
 * folders if they look empty: two siblings race, and the loser's ENOENT fails the whole request
 * with InternalError. Its objects are gone by then; only the tidying failed.
 */
const { prototype: filesystemStore } = require("@20minutes/s3rver/lib/stores/filesystem") as {
  prototype: { deleteObject: (...args: unknown[]) => Promise<void>; tolerant?: boolean };
};
if (!filesystemStore.tolerant) {
  const deleteObject = filesystemStore.deleteObject;
  filesystemStore.deleteObject = async function (this: unknown, ...args: unknown[]) {
    try {
      await deleteObject.apply(this, args);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  };
  filesystemStore.tolerant = true;
}

/** s3rver's one account: any other key is refused with InvalidAccessKeyId. */
export const S3_ACCESS_KEY_ID = "S3RVER";
export const S3_SECRET_ACCESS_KEY = "S3RVER";

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The storage settings for this server's bucket (what STORAGE_URL and S3_* would give). */
  config(prefix?: string): S3StorageConfig;
  /** The same as environment variables, for a child process (`npm run worker`). */
  env(prefix?: string): Record<string, string>;
  /** Every request the server received, as "GET /bucket?list-type=2&…" (newest last). */
  requests: string[];
  close(): Promise<void>;
}

export async function startS3Server({
  bucket = `photo-studio-${randomBytes(4).toString("hex")}`,
}: { bucket?: string } = {}): Promise<TestS3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  server.middleware.unshift((ctx, next) => {
    ctx.req.headers[SENT_PATH] = ctx.path;
    return next();
  });
  const { port } = await server.run();
  const requests: string[] = [];
  server.httpServer!.on("request", (request: IncomingMessage) => {
    requests.push(`${request.method} ${request.url}`);
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const region = "us-east-1";
  const credentials = { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY };
  return {
    endpoint,
    bucket,
    region,
    credentials,
    requests,
    config: (prefix = "") => ({
      bucket,
      prefix,
      endpoint,
      region,
      forcePathStyle: true,
      credentials,
    }),
    env: (prefix = "") => ({
      STORAGE_URL: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: endpoint,
      S3_REGION: region,
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    }),
    async close() {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
