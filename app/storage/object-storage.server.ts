/**
 * Private storage for the bytes of bulk jobs: originals as downloaded from the store (what undo
 * restores) and generated variants. Nothing here is ever served publicly: the app reads an object
 * and answers with it itself (or, on S3, hands out a short-lived signed link).
 *
 * Keys come from keys.ts and follow its rules on every backend, so a prefix means the same thing
 * on local disk and on S3.
 */
import type { AppEnv } from "../env.server.ts";

import { createLocalDiskStorage } from "./local-disk.server.ts";

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

/**
 * The storage the configuration asks for. Today that is the local disk under STORAGE_DIR (the
 * embedded default, one server); S3-compatible storage for deployments with several servers
 * arrives with its own settings in AppEnv, and this is the one place that will choose it.
 */
export function storageFor(env: Pick<AppEnv, "storageDir">): ObjectStorage {
  return createLocalDiskStorage(env.storageDir);
}
