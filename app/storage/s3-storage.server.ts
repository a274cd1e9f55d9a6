/**
 * Object storage in an S3-compatible bucket (AWS S3, MinIO, R2, …): for deployments with several
 * servers, which cannot share one disk. The bucket stays private: the app reads an object and
 * answers with it itself (app/storage/signed-url.server.ts), exactly as on local disk.
 *
 * Keys map one to one, after an optional prefix inside the bucket (`s3://bucket/photo-studio`
 * keeps everything under `photo-studio/`), and follow keys.ts like every backend. `put` is one
 * PutObject, which S3 makes atomic: a reader sees the old object or the new one, never part.
 */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type _Object as ListedObject,
} from "@aws-sdk/client-s3";

import { StorageError, StorageNotFoundError } from "./errors.ts";
import {
  assertValidKey,
  assertValidPrefix,
  DEFAULT_MEDIA_TYPE,
  normalisedMediaType,
} from "./keys.ts";
import type { ObjectInfo, ObjectStorage, PutOptions } from "./object-storage.server.ts";

/** Where the objects live: what STORAGE_URL and the S3_* settings say (app/env.server.ts). */
export interface S3StorageConfig {
  bucket: string;
  /** Put before every key inside the bucket: "" or whole segments ending with "/". */
  prefix: string;
  /** Another S3-compatible store ("http://127.0.0.1:9000"); unset: AWS S3 itself. */
  endpoint?: string;
  region: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`, which most self-hosted stores need. */
  forcePathStyle: boolean;
  /** Unset: the SDK's default chain (AWS_* variables, shared config files, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface S3StorageOptions {
  /** Keys per ListObjectsV2 page, and so per DeleteObjects batch: at most S3's 1,000. */
  pageSize?: number;
  /** Tries per request, the first included, before a failure reaches the caller. */
  maxAttempts?: number;
  /** How long a connection may take to open, and a request may stay silent, in ms. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

const MAX_PAGE_SIZE = 1_000;
/** HeadObject requests `list` runs at once to learn the types (see `list`). */
const HEAD_CONCURRENCY = 8;

type Action = "save" | "read" | "delete";

export function createS3Storage(
  config: S3StorageConfig,
  options: S3StorageOptions = {},
): ObjectStorage {
  const { bucket } = config;
  const base = config.prefix;
  if (base !== "") assertValidPrefix(base);
  const pageSize = Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);

  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    // A copy: the SDK writes its own bookkeeping into the object it is given.
    credentials: config.credentials && { ...config.credentials },
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      requestTimeout: options.requestTimeoutMs ?? 60_000,
    },
    // Since 3.729 the SDK adds CRC32 checksum headers to every upload by default, which several
    // S3-compatible stores refuse or mishandle; send them only where S3 requires one.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

  /** The key inside the bucket, after checking the app's key against keys.ts. */
  function objectKey(key: string): string {
    assertValidKey(key);
    // The prefix may push a valid key past S3's length limit; refuse it as the key it is.
    if (base !== "") assertValidKey(base + key);
    return base + key;
  }

  function prefixInBucket(prefix: string): string {
    assertValidPrefix(prefix);
    return base + prefix;
  }

  /** Every object under `prefix` (in the bucket), one ListObjectsV2 page at a time. */
  async function* pages(prefix: string): AsyncGenerator<ListedObject[]> {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          MaxKeys: pageSize,
          ContinuationToken: token,
        }),
      );
      yield (page.Contents ?? []).filter((entry) => entry.Key !== undefined);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async function headInBucket(key: string, name: string): Promise<ObjectInfo | null> {
    try {
      const found = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: name }));
      return {
        key,
        size: found.ContentLength ?? 0,
        contentType: found.ContentType || DEFAULT_MEDIA_TYPE,
        modifiedAt: found.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw s3Failure("read", error);
    }
  }

  return {
    async ready(signal?: AbortSignal) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
      } catch (error) {
        const where = config.endpoint ? ` at ${new URL(config.endpoint).origin}` : "";
        throw new StorageError(
          "unavailable",
          `The storage bucket "${bucket}"${where} ${readinessProblem(error)} (${answerOf(error)}).`,
          { retryable: kindOf(error) === "transient", cause: safeCause(error) },
        );
      }
    },

    async put(key: string, bytes: Uint8Array, putOptions: PutOptions) {
      const name = objectKey(key);
      const contentType = normalisedMediaType(putOptions.contentType);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: name,
            Body: bytes,
            ContentType: contentType,
            ContentLength: bytes.byteLength,
          }),
        );
      } catch (error) {
        throw s3Failure("save", error);
      }
    },

    async get(key: string) {
      const name = objectKey(key);
      try {
        const found = await client.send(new GetObjectCommand({ Bucket: bucket, Key: name }));
        if (!found.Body) return Buffer.alloc(0);
        return Buffer.from(await found.Body.transformToByteArray());
      } catch (error) {
        if (isMissingObject(error))
          throw new StorageNotFoundError(key, { cause: safeCause(error) });
        throw s3Failure("read", error);
      }
    },

    async head(key: string) {
      return headInBucket(key, objectKey(key));
    },

    async exists(key: string) {
      return (await headInBucket(key, objectKey(key))) !== null;
    },

    async delete(key: string) {
      const name = objectKey(key);
      try {
        // S3 answers 204 for a key that is not there: deleting is idempotent by itself.
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: name }));
      } catch (error) {
        if (isMissingObject(error)) return;
        throw s3Failure("delete", error);
      }
    },

    async deletePrefix(prefix: string) {
      const inBucket = prefixInBucket(prefix);
      let count = 0;
      try {
        // A page is at most 1,000 keys, which is also DeleteObjects' limit: one batch per page.
        // Deleting behind the cursor is safe, as S3's continuation token is a position in key
        // order, not a snapshot.
        for await (const page of pages(inBucket)) {
          if (page.length === 0) continue;
          const answer = await client.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: page.map((entry) => ({ Key: entry.Key! })), Quiet: true },
            }),
          );
          const refused = answer.Errors ?? [];
          if (refused.length > 0) {
            throw new DeleteRefusedError(refused.length, refused[0]?.Code ?? "unknown");
          }
          count += page.length;
        }
      } catch (error) {
        throw s3Failure("delete", error);
      }
      return count;
    },

    async list(prefix: string) {
      const inBucket = prefixInBucket(prefix);
      const listed: Array<{ key: string; name: string }> = [];
      try {
        for await (const page of pages(inBucket)) {
          for (const entry of page) {
            const key = entry.Key!.slice(base.length);
            // Objects put by other tools ("folder/" markers, ".DS_Store") are not the app's.
            if (isAppKey(key)) listed.push({ key, name: entry.Key! });
          }
        }
      } catch (error) {
        throw s3Failure("read", error);
      }
      listed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      // ListObjectsV2 answers sizes and times but no media types, so each object costs one
      // HeadObject. `list` serves small prefixes (an item's masks, support); erasure, which
      // meets whole shops, uses `deletePrefix`, which never asks for types.
      const found: Array<ObjectInfo | null> = new Array(listed.length).fill(null);
      let next = 0;
      const worker = async () => {
        while (next < listed.length) {
          const index = next++;
          const entry = listed[index]!;
          found[index] = await headInBucket(entry.key, entry.name);
        }
      };
      await Promise.all(Array.from({ length: Math.min(HEAD_CONCURRENCY, listed.length) }, worker));
      // An object deleted between the listing and its HeadObject is simply no longer there.
      return found.filter((entry): entry is ObjectInfo => entry !== null);
    },
  };
}

function isAppKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}

/** Some keys of a DeleteObjects batch were not deleted (S3 answers 200 with per-key errors). */
class DeleteRefusedError extends Error {
  override name = "DeleteRefusedError";
  readonly Code: string;
  constructor(refused: number, code: string) {
    super(`S3 refused to delete ${refused} object(s): ${code}`);
    this.Code = code;
  }
}

/** What a failed S3 call means for whoever meets it. */
type FailureKind = "bucket_missing" | "access_refused" | "transient" | "refused";

const ACCESS_ERRORS = new Set([
  "AccessDenied",
  "AllAccessDisabled",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "AccountProblem",
  // The SDK's own, when the default chain finds no credentials at all.
  "CredentialsProviderError",
]);

/** S3's error name ("NoSuchKey", "SlowDown", "ECONNREFUSED", …): safe to log, never a secret. */
function errorName(error: unknown): string {
  const { name, code, Code } = (error ?? {}) as { name?: string; code?: string; Code?: string };
  if (Code) return Code;
  if (name && name !== "Error" && name !== "AggregateError") return name;
  return code ?? "unknown error";
}

/** What a failed HeadBucket says about the bucket, for the operator reading a readiness probe. */
function readinessProblem(error: unknown): string {
  // HeadBucket has no body, so a missing bucket is a bare 404 rather than NoSuchBucket.
  if (kindOf(error) === "bucket_missing" || statusOf(error) === 404) return "does not exist";
  if (errorName(error) === "CredentialsProviderError") {
    return "cannot be used: the app found no credentials (set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or AWS_* variables)";
  }
  switch (kindOf(error)) {
    case "access_refused":
      return "refuses the app's credentials";
    case "transient":
      return "does not answer";
    default:
      return "refuses the request";
  }
}

/** "HTTP 404 NotFound", "HTTP 403" (a HEAD answer has no body to name it), "ECONNREFUSED". */
function answerOf(error: unknown): string {
  const status = statusOf(error);
  const name = errorName(error);
  if (status === undefined) return name;
  return name === "Unknown" || name === "unknown error"
    ? `HTTP ${status}`
    : `HTTP ${status} ${name}`;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** GetObject says NoSuchKey; HeadObject, which has no body to say it in, a bare 404. */
function isMissingObject(error: unknown): boolean {
  const name = errorName(error);
  return name === "NoSuchKey" || (statusOf(error) === 404 && name !== "NoSuchBucket");
}

/**
 * What a log may keep of a failed call: S3's error name, status, request id and message. Not the
 * SDK's error itself, which carries the raw HTTP exchange, signed Authorization header and access
 * key id included.
 */
function safeCause(error: unknown): Error {
  const status = statusOf(error);
  const requestId = (error as { $metadata?: { requestId?: string } } | null)?.$metadata?.requestId;
  const details = [status && `HTTP ${status}`, requestId && `request ${requestId}`].filter(Boolean);
  const message = error instanceof Error ? error.message : String(error);
  const safe = new Error(
    `S3 ${errorName(error)}${details.length ? ` (${details.join(", ")})` : ""}: ${message}`,
  );
  safe.name = "S3Error";
  return safe;
}

function kindOf(error: unknown): FailureKind {
  const name = errorName(error);
  const status = statusOf(error);
  if (name === "NoSuchBucket") return "bucket_missing";
  if (ACCESS_ERRORS.has(name) || status === 401 || status === 403) return "access_refused";
  // No HTTP answer at all (refused, reset, timed out, DNS), a 5xx, or S3 asking to slow down.
  if (
    status === undefined ||
    status >= 500 ||
    status === 408 ||
    status === 429 ||
    name === "SlowDown" ||
    name === "RequestTimeout"
  ) {
    return "transient";
  }
  // A definite "no" to this very request: sending it again gets the same answer.
  return "refused";
}

/**
 * The StorageError for a failed S3 call. Network trouble, throttling and 5xx answers are
 * `unavailable` and retryable, like a busy disk; a missing bucket or refused credentials are
 * `unavailable` too but not retryable: only the operator can fix them. Messages are for
 * merchants; the cause keeps what S3 answered for the log (see `safeCause`).
 */
function s3Failure(action: Action, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const cause = safeCause(error);
  switch (kindOf(error)) {
    case "bucket_missing":
      return new StorageError(
        "unavailable",
        `Photo Studio could not ${action} the image: its file storage is not set up correctly. The app's operator must fix this; trying again will not help.`,
        { retryable: false, cause },
      );
    case "access_refused":
      return new StorageError(
        "unavailable",
        `Photo Studio could not ${action} the image: its file storage refused the app access. The app's operator must fix this; trying again will not help.`,
        { retryable: false, cause },
      );
    case "transient":
      return new StorageError(
        "unavailable",
        `Photo Studio could not ${action} the image on its storage. It will try again shortly.`,
        { retryable: true, cause },
      );
    case "refused":
      return new StorageError(
        "unavailable",
        `Photo Studio could not ${action} the image: its file storage refused the request.`,
        { retryable: false, cause },
      );
  }
}
