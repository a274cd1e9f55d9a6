/**
 * Downloads a product image from Shopify's CDN for a job. The bytes are counted as they arrive
 * and the download stops the moment they pass `maxBytes`, whatever the server announced: a
 * missing Content-Length or a compressed body (whose Content-Length is the compressed size) can
 * not make the app hold more than the limit. Each attempt has a time limit; server errors and
 * dropped connections are retried a couple of times with backoff, and everything else fails with
 * an ImageDownloadError a merchant can read.
 *
 * The bytes are not yet trusted: the caller passes them through the image engine's safe intake
 * (app/images/intake.ts) before anything else reads them.
 */
import { DEFAULT_LIMITS } from "../images/limits.ts";

export type ImageDownloadErrorCode = "too_large" | "not_found" | "unavailable" | "timeout";

export class ImageDownloadError extends Error {
  override name = "ImageDownloadError";
  readonly code: ImageDownloadErrorCode;
  readonly retryable: boolean;
  /** The HTTP status the server answered with, when it answered. */
  readonly status: number | null;
  readonly retryAfterMs?: number;
  constructor(
    code: ImageDownloadErrorCode,
    message: string,
    options: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable;
    this.status = options.status ?? null;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export interface DownloadOptions {
  /** Default 50 MB, the image engine's own limit. */
  maxBytes?: number;
  /** One attempt's limit, body included. Default 30 s. */
  timeoutMs?: number;
  /** The caller's cancellation (a canceled job); it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Further attempts after a server error or a dropped connection. Default 2. */
  retries?: number;
  /** First pause before a retry; doubled each time. Default 500 ms. */
  retryDelayMs?: number;
}

const DEFAULTS = {
  maxBytes: DEFAULT_LIMITS.maxBytes,
  timeoutMs: 30_000,
  retries: 2,
  retryDelayMs: 500,
};
/** The longest Retry-After honoured inline; longer ones go back to the queue. */
const MAX_INLINE_WAIT_MS = 10_000;

function megabytes(bytes: number) {
  return `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 1 : 0)} MB`;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The local dev store the process was pointed at (`npm run demo`, benchmarks), whose CDN speaks
 * plain http on this machine. Read at run time: the production build fixes NODE_ENV, and the demo
 * runs that build.
 */
function devStoreOrigin(): string | null {
  const configured = process.env["SHOPIFY_DEV_STORE_URL"];
  if (!configured) return null;
  try {
    return new URL(configured).origin;
  } catch {
    return null;
  }
}

/**
 * https only. Plain http is for the local dev store (on this machine): in development and tests,
 * and in a production build only from the dev store the process was pointed at.
 */
function allowedUrl(url: URL): boolean {
  if (url.protocol === "https:") return true;
  const loopback = LOOPBACK.has(url.hostname) || url.hostname.endsWith(".localhost");
  return (
    url.protocol === "http:" &&
    loopback &&
    (process.env.NODE_ENV !== "production" || url.origin === devStoreOrigin())
  );
}

const insecure = () =>
  new ImageDownloadError(
    "unavailable",
    "Photo Studio downloads images only over a secure (https) connection, and this image's address is not one.",
    { retryable: false },
  );

function tooLarge(maxBytes: number, bytes: number | null) {
  const size = bytes === null ? `larger than ${megabytes(maxBytes)}` : megabytes(bytes);
  return new ImageDownloadError(
    "too_large",
    `The image is ${size}; Photo Studio accepts images up to ${megabytes(maxBytes)}.`,
    { retryable: false },
  );
}

function timedOut(timeoutMs: number, cause?: unknown) {
  return new ImageDownloadError(
    "timeout",
    `The image took longer than ${Math.round(timeoutMs / 1000)} seconds to download. Photo Studio will try again.`,
    { retryable: true, cause },
  );
}

function connectionLost(cause: unknown) {
  return new ImageDownloadError(
    "unavailable",
    "Photo Studio could not reach Shopify's image server. It will try again.",
    { retryable: true, cause },
  );
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function statusError(response: Response): ImageDownloadError {
  const { status } = response;
  if (status === 404 || status === 410) {
    return new ImageDownloadError(
      "not_found",
      "The image is no longer in your store: it may have been deleted or replaced since the job started.",
      { retryable: false, status },
    );
  }
  if (status === 408 || status === 429 || status >= 500) {
    return new ImageDownloadError(
      "unavailable",
      `Shopify's image server did not deliver the image (HTTP ${status}). Photo Studio will try again.`,
      { retryable: true, status, retryAfterMs: retryAfterMs(response.headers.get("retry-after")) },
    );
  }
  return new ImageDownloadError(
    "unavailable",
    `Shopify's image server refused to deliver the image (HTTP ${status}).`,
    { retryable: false, status },
  );
}

async function attempt(
  url: URL,
  options: Required<Omit<DownloadOptions, "signal">> & { signal?: AbortSignal },
): Promise<Buffer> {
  const { maxBytes, timeoutMs, signal } = options;
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const failure = (error: unknown) => {
    if (signal?.aborted) return signal.reason as unknown;
    if (deadline.aborted) return timedOut(timeoutMs, error);
    return error instanceof ImageDownloadError ? error : connectionLost(error);
  };

  let response: Response;
  try {
    response = await fetch(url, {
      signal: combined,
      redirect: "follow",
      // Images are compressed already; asking for identity keeps Content-Length the real size.
      headers: { accept: "image/*", "accept-encoding": "identity" },
    });
  } catch (error) {
    throw failure(error);
  }
  const reader = response.body?.getReader();
  try {
    // A redirect must not lead away from https.
    if (response.url && !allowedUrl(new URL(response.url))) throw insecure();
    if (!response.ok) throw statusError(response);
    const announced = Number(response.headers.get("content-length"));
    // A compressed body's Content-Length is not the size of what arrives; only count those.
    if (!response.headers.get("content-encoding") && announced > maxBytes) {
      throw tooLarge(maxBytes, announced);
    }
    if (!reader) return Buffer.alloc(0);
    const chunks: Uint8Array[] = [];
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) throw tooLarge(maxBytes, null);
      chunks.push(value);
    }
    return Buffer.concat(chunks, received);
  } catch (error) {
    await reader?.cancel().catch(() => {});
    throw failure(error);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The image's bytes; ImageDownloadError when it cannot be had, the signal's reason if canceled. */
export async function downloadImage(url: string, options: DownloadOptions = {}): Promise<Buffer> {
  const settings = {
    maxBytes: options.maxBytes ?? DEFAULTS.maxBytes,
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    retries: options.retries ?? DEFAULTS.retries,
    retryDelayMs: options.retryDelayMs ?? DEFAULTS.retryDelayMs,
    signal: options.signal,
  };
  let target: URL;
  try {
    target = new URL(url);
  } catch (error) {
    throw new ImageDownloadError("unavailable", "The image's address is not a web address.", {
      retryable: false,
      cause: error,
    });
  }
  if (!allowedUrl(target)) throw insecure();

  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt(target, settings);
    } catch (error) {
      // Only a server error or a dropped connection is retried here; a timeout already took its
      // full time, so it goes back to the job queue, which retries later.
      const transient =
        error instanceof ImageDownloadError && error.code === "unavailable" && error.retryable;
      const wait = Math.max(
        settings.retryDelayMs * 2 ** retry,
        (error as ImageDownloadError).retryAfterMs ?? 0,
      );
      if (!transient || retry >= settings.retries || wait > MAX_INLINE_WAIT_MS) throw error;
      await sleep(wait, settings.signal);
    }
  }
}
