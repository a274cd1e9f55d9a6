/**
 * The fetch the `replicate` client is given. replicate@1.4.0 retries on its own, badly: a 429 is
 * retried at once (its Retry-After handling never runs for an HTTP response, and its backoff
 * sleep is computed as NaN), and a network error on any request, prediction creation included,
 * is swallowed and the request sent again, which can create (and bill) the same prediction twice.
 *
 * So this fetch does all retrying and hands the client only final answers it will not retry:
 *
 * - 429: waits for Retry-After (seconds or an HTTP date; capped), and makes every request of the
 *   provider wait too, since the limit is the account's. A 429 means "refused", so repeating it
 *   is safe even for a creation.
 * - Reads and other repeatable requests (GET, DELETE, cancel, file uploads): network errors and
 *   5xx are retried with exponential backoff and jitter.
 * - Prediction creation: never repeated here. A network error or 5xx may or may not have created
 *   the prediction; the runner looks it up before deciding.
 *
 * When it gives up, it answers with a synthetic 499 response (a status the client does not retry)
 * whose TRANSPORT_FAILURE_HEADER says what happened; the client turns it into an ApiError, and
 * errors.server.ts reads the header back.
 */
import { sleep } from "../concurrency.ts";

export const TRANSPORT_FAILURE_HEADER = "x-photo-studio-transport-failure";
export const ORIGINAL_STATUS_HEADER = "x-photo-studio-original-status";
export const RETRY_AFTER_MS_HEADER = "x-photo-studio-retry-after-ms";
const SYNTHETIC_STATUS = 499;

/** no-answer: no HTTP response (connection refused or dropped, timeout). */
export type TransportFailure = "no-answer" | "server-error" | "rate-limited";

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited out in-line: the caller is told to come back. */
  maxRetryAfterMs: number;
  /** Per attempt; a `Prefer: wait=n` request gets n seconds more. */
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  requestTimeoutMs: 30_000,
};

/** One per provider: when Replicate says "slow down", every request waits. */
export class RateGate {
  private until = 0;

  block(ms: number) {
    this.until = Math.max(this.until, Date.now() + ms);
  }

  async pass(signal?: AbortSignal | null) {
    const wait = this.until - Date.now();
    if (wait > 0) await sleep(wait, signal ?? undefined);
  }
}

export function isPredictionCreation(method: string, path: string) {
  return method === "POST" && /\/(?:predictions|models\/[^/]+\/[^/]+\/predictions)$/.test(path);
}

export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">,
) {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + Math.random() * 0.5));
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function preferWaitSeconds(headers: HeadersInit | undefined) {
  const prefer = new Headers(headers).get("prefer");
  const match = prefer ? /wait(?:=(\d+))?/.exec(prefer) : null;
  return match ? Number(match[1] ?? 60) : 0;
}

function failure(kind: TransportFailure, detail: string, extra: Record<string, string> = {}) {
  return new Response(JSON.stringify({ detail }), {
    status: SYNTHETIC_STATUS,
    headers: { "content-type": "application/json", [TRANSPORT_FAILURE_HEADER]: kind, ...extra },
  });
}

export function createTransport(options: {
  fetch?: typeof fetch;
  policy?: Partial<RetryPolicy>;
  gate?: RateGate;
}): typeof fetch {
  const send = options.fetch ?? globalThis.fetch;
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const gate = options.gate ?? new RateGate();

  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (
      init?.method ?? (input instanceof Request ? input.method : "GET")
    ).toUpperCase();
    const creation = isPredictionCreation(method, url.pathname);
    const callerSignal = init?.signal ?? undefined;
    const timeoutMs = policy.requestTimeoutMs + preferWaitSeconds(init?.headers) * 1000;

    for (let attempt = 1; ; attempt++) {
      await gate.pass(callerSignal);
      let response: Response;
      try {
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
        response = await send(input instanceof Request ? input.url : url, { ...init, signal });
      } catch (error) {
        if (callerSignal?.aborted) throw error;
        const detail =
          error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
        if (creation || attempt >= policy.maxAttempts) return failure("no-answer", detail);
        await sleep(backoffDelay(attempt, policy), callerSignal);
        continue;
      }

      if (response.status === 429) {
        const wait =
          parseRetryAfter(response.headers.get("retry-after")) ?? backoffDelay(attempt, policy);
        await response.body?.cancel();
        if (attempt >= policy.maxAttempts || wait > policy.maxRetryAfterMs) {
          return failure("rate-limited", "Replicate's rate limit", {
            [RETRY_AFTER_MS_HEADER]: String(wait),
            [ORIGINAL_STATUS_HEADER]: "429",
          });
        }
        gate.block(wait);
        continue;
      }

      if (response.status >= 500) {
        if (creation || attempt >= policy.maxAttempts) {
          const text = await response.text().catch(() => "");
          return failure("server-error", text.slice(0, 500), {
            [ORIGINAL_STATUS_HEADER]: String(response.status),
          });
        }
        await response.body?.cancel();
        await sleep(backoffDelay(attempt, policy), callerSignal);
        continue;
      }
      return response;
    }
  };
}
