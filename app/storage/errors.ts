/**
 * Storage failures, shaped like every error a job step can meet (app/jobs/failures.ts): a machine
 * `code`, a message a merchant can read, and whether trying again may help.
 */
export type StorageErrorCode =
  /** The object is not there (never stored, deleted, or erased with its shop). */
  | "not_found"
  /** A key or prefix broke the naming rules of keys.ts: a bug, never retried. */
  | "invalid_key"
  /** The disk is full or over quota. */
  | "full"
  /** Anything else the storage could not do (I/O error, permissions, network for S3). */
  | "unavailable";

export class StorageError extends Error {
  override name = "StorageError";
  readonly code: StorageErrorCode;
  readonly retryable: boolean;
  constructor(
    code: StorageErrorCode,
    message: string,
    options: { retryable: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable;
  }
}

export class StorageNotFoundError extends StorageError {
  override name = "StorageNotFoundError";
  readonly key: string;
  constructor(key: string, options: { cause?: unknown } = {}) {
    super(
      "not_found",
      "Photo Studio no longer has this file: it was deleted, or kept for less time than needed.",
      { retryable: false, cause: options.cause },
    );
    this.key = key;
  }
}

/** The StorageError for a failed file-system call (the cause keeps the details for the log). */
export function storageFailure(action: "save" | "read" | "delete", cause: unknown): StorageError {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new StorageError(
      "full",
      `Photo Studio could not ${action} the image: its storage is full. It will try again later.`,
      { retryable: true, cause },
    );
  }
  return new StorageError(
    "unavailable",
    `Photo Studio could not ${action} the image on its storage. It will try again shortly.`,
    { retryable: true, cause },
  );
}
