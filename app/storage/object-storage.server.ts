/**
 * Private storage for the bytes of bulk jobs: originals as downloaded from the store (what undo
 * restores) and generated variants. Nothing here is ever served publicly: the app reads an object
 * and answers with it itself, on every backend (signed-url.server.ts); an S3 bucket stays private.
 *
 * Keys come from keys.ts and follow its rules on every backend, so a prefix means the same thing
 * on local disk and on S3.
 */
import type { AppEnv } from "../env.server.ts";

import { StorageError } from "./errors.ts";
import { createLocalDiskStorage } from "./local-disk.server.ts";
import { createS3Storage, type S3StorageConfig } from "./s3-storage.server.ts";

export { StorageError, StorageNotFoundError, type StorageErrorCode } from "./errors.ts";

export interface PutOptions {
  /** The object's media type ("image/jpeg"); kept with it and answered by `head`. */
  contentType: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  contentType: string;
  modifiedAt: Date;
}

export interface ObjectStorage {
  /**
   * Resolves when the storage can be used (local disk: its folder is writable; S3: the bucket
   * answers HeadBucket); otherwise a StorageError saying what is wrong. Callers want
   * `storageReady`, which also bounds the wait.
   */
  ready(signal?: AbortSignal): Promise<void>;
  /**
   * Stores `bytes` under `key`, replacing what was there. Atomic: a reader sees the old object or
   * the new one whole, never part of it, and a crash mid-write leaves the old one.
   */
  put(key: string, bytes: Uint8Array, options: PutOptions): Promise<void>;
  /** The object's bytes; StorageNotFoundError when there is none. */
  get(key: string): Promise<Buffer>;
  /** Size, type and time of the object, or null when there is none. */
  head(key: string): Promise<ObjectInfo | null>;
  exists(key: string): Promise<boolean>;
  /** Removes the object; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Removes every object under `prefix` (whole segments ending with "/", never "") and answers
   * how many there were. What a job's or a shop's erasure calls.
   */
  deletePrefix(prefix: string): Promise<number>;
  /** The objects under `prefix`, in key order (for retention sweeps and support). */
  list(prefix: string): Promise<ObjectInfo[]>;
}

const backends = new WeakMap<S3StorageConfig, ObjectStorage>();

/**
 * The storage the configuration asks for, and the one place that chooses: an S3-compatible
 * bucket when STORAGE_URL names one (several servers), else the local disk under STORAGE_DIR
 * (the embedded default, one server). Routes call this per request, so one S3 client (and its
 * pool of connections) is kept per configuration.
 */
export function storageFor(env: Pick<AppEnv, "storageDir" | "s3">): ObjectStorage {
  if (!env.s3) return createLocalDiskStorage(env.storageDir);
  let storage = backends.get(env.s3);
  if (!storage) {
    storage = createS3Storage(env.s3);
    backends.set(env.s3, storage);
  }
  return storage;
}

/**
 * Resolves when `storage` can be used, or throws a StorageError naming what is wrong (the folder,
 * the bucket and why: never a credential), within `timeoutMs`: what a readiness probe asks.
 */
export async function storageReady(
  storage: ObjectStorage,
  { timeoutMs = 3_000 }: { timeoutMs?: number } = {},
): Promise<void> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // A backend that cannot be interrupted (a hung network mount) still answers in time.
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new StorageError("unavailable", `The storage did not answer within ${timeoutMs} ms.`, {
          retryable: true,
        }),
      );
    }, timeoutMs);
  });
  const checked = storage.ready(controller.signal);
  checked.catch(() => undefined);
  try {
    await Promise.race([checked, late]);
  } finally {
    clearTimeout(timer);
  }
}
