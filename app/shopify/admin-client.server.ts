/**
 * The Shopify Admin GraphQL client the job workers use: paced on the shop's query-cost bucket
 * (throttle-pacer.server.ts), retrying what Shopify means to be retried, and failing with a
 * ShopifyAdminError a merchant can read (`message`), a machine can branch on (`code`), and a queue
 * can act on (`retryable`, `retryAfterMs`).
 *
 * - THROTTLED (the GraphQL error code, or an HTTP 429): the bucket model learns from the answer,
 *   the request waits until its cost fits (or for Retry-After) and goes again, as often as needed
 *   within `deadlineMs`. https://shopify.dev/docs/api/usage/rate-limits
 * - HTTP 5xx, network errors and timeouts (`timeoutMs` per attempt, which aborts the fetch):
 *   exponential backoff with jitter, up to `maxRetries`, then UNAVAILABLE or TIMEOUT (retryable).
 * - 401/403 or no offline session: UNAUTHORIZED, not retryable: the app lost its access token
 *   (uninstalled, or the token revoked) and only the merchant opening the app again brings it back.
 * - Other GraphQL errors: GRAPHQL, not retryable, with Shopify's message.
 *
 * Mutations: a timeout, a dropped connection or a 5xx after Shopify received the request may mean
 * the mutation RAN and only its answer was lost. This client retries those anyway (a job that stops
 * at every blip is worse), so every mutation sent through it must be idempotent: set a state
 * rather than add to it, or look first whether the previous attempt already did it.
 *
 * Nothing here logs; errors keep Shopify's answer in `cause` (the access token is only ever in
 * the request headers, which never reach an error).
 */
import {
  GraphqlQueryError,
  HttpMaxRetriesError,
  HttpRequestError,
  HttpResponseError,
  MissingRequiredArgument,
} from "@shopify/shopify-api";
import { SessionNotFoundError } from "@shopify/shopify-app-remix/server";

import { unauthenticated } from "~/shopify.server";

import { observeThrottleWait, recordShopifyAttempt } from "../observability/metrics.server.ts";

import type { AdminClient, AdminRequestOptions } from "./admin-types.ts";
import {
  estimateCost,
  pacerFor,
  readQueryCost,
  rememberCost,
  type QueryCost,
} from "./throttle-pacer.server.ts";

export type ShopifyAdminErrorCode =
  "THROTTLED" | "UNAVAILABLE" | "TIMEOUT" | "UNAUTHORIZED" | "GRAPHQL" | "CANCELED";

export class ShopifyAdminError extends Error {
  readonly code: ShopifyAdminErrorCode;
  readonly retryable: boolean;
  /** When retrying makes sense again, if Shopify or the bucket model says. */
  readonly retryAfterMs: number | null;
  /** Shopify's `extensions.code` values, for GRAPHQL errors. */
  readonly shopifyCodes: string[];

  constructor(
    code: ShopifyAdminErrorCode,
    message: string,
    options: {
      retryable: boolean;
      retryAfterMs?: number | null;
      shopifyCodes?: string[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "ShopifyAdminError";
    this.code = code;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.shopifyCodes = options.shopifyCodes ?? [];
  }
}

export function isShopifyAdminError(error: unknown): error is ShopifyAdminError {
  return error instanceof ShopifyAdminError;
}

/** The shape of shopify-app-remix's `admin.graphql`. It may answer with a Response or throw. */
export type AdminTransport = (
  document: string,
  options: { variables?: Record<string, unknown>; signal: AbortSignal },
) => Promise<Response>;

export interface AdminClientOptions {
  /** One attempt's limit, answer body included; the fetch is aborted when it passes. */
  timeoutMs?: number;
  /** Retries after a 5xx, a network error or a timeout (THROTTLED is not counted). */
  maxRetries?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /**
   * How long one request may keep waiting (for the bucket, Retry-After, backoff) and retrying; an
   * attempt under way is never cut short by it, only by `timeoutMs`.
   */
  deadlineMs?: number;
}

const DEFAULTS: Required<AdminClientOptions> = {
  timeoutMs: 30_000,
  maxRetries: 4,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 8_000,
  deadlineMs: 120_000,
};

/** When Shopify says "slow down" with no Retry-After and no bucket report. */
const DEFAULT_THROTTLE_PAUSE_MS = 1_000;
/**
 * After a THROTTLED with a bucket report the model knows the wait; this floor keeps a report that
 * contradicts itself (room enough, yet throttled) from turning into a burst of retries.
 */
const MIN_THROTTLE_PAUSE_MS = 100;

// --- Process-wide counters (the benchmark prints them) -------------------------------------------

export interface AdminClientStats {
  /** Attempts sent to Shopify. */
  requests: number;
  /** THROTTLED answers (GraphQL THROTTLED or HTTP 429). */
  throttled: number;
  /** Attempts that were repeats of an earlier one, whatever the reason. */
  retried: number;
  /** Sum of the actual query costs Shopify reported. */
  costSpent: number;
}

const stats: AdminClientStats = { requests: 0, throttled: 0, retried: 0, costSpent: 0 };

export function adminClientStats(): AdminClientStats {
  return { ...stats };
}

export function resetAdminClientStats() {
  Object.assign(stats, { requests: 0, throttled: 0, retried: 0, costSpent: 0 });
}

// --- Classifying what one attempt came back with ---------------------------------------------

interface GraphqlErrorEntry {
  message?: string;
  extensions?: { code?: string };
}

type Outcome =
  | { kind: "ok"; data: unknown; cost: QueryCost | null }
  | { kind: "throttled"; cost: QueryCost | null; retryAfterMs: number | null }
  | { kind: "transient"; error: ShopifyAdminError; cost: QueryCost | null }
  | { kind: "fatal"; error: ShopifyAdminError; cost: QueryCost | null };

const MESSAGES = {
  unauthorized:
    "Photo Studio lost access to your store. Open Photo Studio from your Shopify admin to reconnect it.",
  timeout: "Shopify took too long to answer Photo Studio. Try again in a few minutes.",
  network: "Photo Studio could not reach Shopify. Try again in a few minutes.",
  throttled:
    "Shopify is limiting how fast Photo Studio can work on your store. Try again in a few minutes.",
  canceled: "The request to Shopify was canceled.",
};

const unavailable = (status: number, cause: unknown) =>
  new ShopifyAdminError(
    "UNAVAILABLE",
    `Shopify is temporarily unavailable (it answered ${status}). Try again in a few minutes.`,
    { retryable: true, cause },
  );

const unauthorized = (cause: unknown) =>
  new ShopifyAdminError("UNAUTHORIZED", MESSAGES.unauthorized, { retryable: false, cause });

function graphqlOutcome(errors: GraphqlErrorEntry[], cost: QueryCost | null, cause: unknown) {
  const codes = errors
    .map((error) => error.extensions?.code)
    .filter((code): code is string => typeof code === "string");
  if (codes.includes("THROTTLED")) {
    const status = cost?.throttleStatus;
    if (status && cost.requestedQueryCost !== null) {
      if (cost.requestedQueryCost > status.maximumAvailable) {
        // It will never fit: waiting would only use up the deadline.
        return {
          kind: "fatal",
          cost,
          error: new ShopifyAdminError(
            "GRAPHQL",
            `This request costs ${cost.requestedQueryCost} points of Shopify's rate limit, more than your store's plan allows at once (${status.maximumAvailable}).`,
            { retryable: false, shopifyCodes: codes, cause },
          ),
        } as const;
      }
    }
    return { kind: "throttled", cost, retryAfterMs: null } as const;
  }
  if (codes.includes("ACCESS_DENIED")) {
    const shopifyMessage = errors.find((error) => error.extensions?.code === "ACCESS_DENIED");
    return {
      kind: "fatal",
      cost,
      error: new ShopifyAdminError(
        "UNAUTHORIZED",
        `Shopify refused Photo Studio access: ${shopifyMessage?.message ?? "access denied"}. Open Photo Studio from your Shopify admin to grant what it needs.`,
        { retryable: false, shopifyCodes: codes, cause },
      ),
    } as const;
  }
  const messages = errors.map((error) => error.message).filter(Boolean);
  return {
    kind: "fatal",
    cost,
    error: new ShopifyAdminError(
      "GRAPHQL",
      `Shopify refused Photo Studio's request: ${messages.join("; ") || "unknown GraphQL error"}`,
      { retryable: false, shopifyCodes: codes, cause },
    ),
  } as const;
}

function statusOutcome(
  status: number,
  retryAfterSeconds: number | null,
  cause: unknown,
  cost: QueryCost | null = null,
): Outcome {
  if (status === 429) {
    return {
      kind: "throttled",
      cost,
      retryAfterMs: retryAfterSeconds !== null ? Math.ceil(retryAfterSeconds * 1000) : null,
    };
  }
  if (status === 401 || status === 403) return { kind: "fatal", cost, error: unauthorized(cause) };
  if (status >= 500 || status === 408) {
    return { kind: "transient", cost, error: unavailable(status, cause) };
  }
  // 402 (store frozen for an unpaid bill), 423 (store locked), 404 (store gone) and the like:
  // trying again will not help until the merchant or Shopify acts.
  return {
    kind: "fatal",
    cost,
    error: new ShopifyAdminError(
      "UNAVAILABLE",
      status === 402 || status === 423
        ? "Shopify reports your store as unavailable (frozen or locked), so Photo Studio cannot work on it right now."
        : `Shopify refused Photo Studio's request (it answered ${status}).`,
      { retryable: false, cause },
    ),
  };
}

/** Retry-After in seconds (Shopify sends delta-seconds, e.g. "2.0"). */
function retryAfterHeader(value: unknown): number | null {
  // @shopify/shopify-api keeps each header as a list of values.
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof first !== "string" || first === "") return null;
  const seconds = Number.parseFloat(first);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** An answer the transport resolved with: admin.graphql's own Response, or a plain fetch's. */
async function responseOutcome(response: Response): Promise<Outcome> {
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    return statusOutcome(
      response.status,
      retryAfterHeader(response.headers.get("retry-after")),
      response,
    );
  }
  const body = (await response.json()) as {
    data?: unknown;
    errors?: GraphqlErrorEntry[];
    extensions?: unknown;
  };
  const cost = readQueryCost(body.extensions);
  if (Array.isArray(body.errors) && body.errors.length > 0) {
    return graphqlOutcome(body.errors, cost, body);
  }
  if (body.data === undefined || body.data === null) {
    return { kind: "transient", cost, error: unavailable(response.status, body) };
  }
  return { kind: "ok", data: body.data, cost };
}

interface ShopifyHttpErrorShape {
  response?: { code?: unknown; retryAfter?: unknown; headers?: Record<string, unknown> };
}

/**
 * What admin.graphql (shopify-app-remix 4.x and later, on @shopify/shopify-api) throws:
 * - GraphqlQueryError for an HTTP 200 with `errors` (THROTTLED included); its `body` is the
 *   client's whole answer, so `body.extensions.cost` and `body.errors.graphQLErrors` are there.
 * - HttpThrottlingError (429, `response.retryAfter` in seconds), HttpInternalError (5xx) and
 *   HttpResponseError (other statuses: 401, 403, 402, 404...), all with `response.code`.
 * - HttpRequestError when no answer came (connection refused or dropped, the signal aborted).
 * - HttpMaxRetriesError only if asked to retry itself (`tries`), which this client never does.
 * - Errors a route's authenticate.admin client throws as a Response (handleClientError).
 */
function thrownOutcome(error: unknown): Outcome | null {
  if (error instanceof Response) {
    return statusOutcome(error.status, retryAfterHeader(error.headers.get("retry-after")), error);
  }
  const body = (error as { body?: { errors?: unknown; extensions?: unknown } } | null)?.body;
  const graphQLErrors = (body?.errors as { graphQLErrors?: unknown } | undefined)?.graphQLErrors;
  if (error instanceof GraphqlQueryError || Array.isArray(graphQLErrors)) {
    const cost = readQueryCost(body?.extensions);
    return graphqlOutcome(
      Array.isArray(graphQLErrors) ? (graphQLErrors as GraphqlErrorEntry[]) : [],
      cost,
      error,
    );
  }
  const response = (error as ShopifyHttpErrorShape | null)?.response;
  if (error instanceof HttpResponseError || typeof response?.code === "number") {
    const status = Number(response?.code);
    const retryAfter =
      typeof response?.retryAfter === "number"
        ? response.retryAfter
        : retryAfterHeader(response?.headers?.["Retry-After"]);
    if (status === 200) {
      // An answer with neither data nor errors: a broken answer, worth another try.
      return { kind: "transient", cost: null, error: unavailable(status, error) };
    }
    return statusOutcome(status, retryAfter, error);
  }
  if (
    error instanceof HttpRequestError ||
    error instanceof HttpMaxRetriesError ||
    isNetworkError(error)
  ) {
    return {
      kind: "transient",
      cost: null,
      error: new ShopifyAdminError("UNAVAILABLE", MESSAGES.network, {
        retryable: true,
        cause: error,
      }),
    };
  }
  if (error instanceof MissingRequiredArgument) {
    // The stored session has no access token.
    return { kind: "fatal", cost: null, error: unauthorized(error) };
  }
  return null;
}

function isNetworkError(error: unknown) {
  if (error instanceof DOMException) {
    return error.name === "AbortError" || error.name === "TimeoutError";
  }
  return (
    error instanceof TypeError && /fetch failed|network|socket|terminated/i.test(error.message)
  );
}

// --- Waiting ----------------------------------------------------------------------------------

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function backoffMs(retry: number, options: Required<AdminClientOptions>) {
  const ceiling = Math.min(options.retryMaxDelayMs, options.retryBaseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling * (0.5 + Math.random() * 0.5));
}

/**
 * A signal that aborts when `parent` does or after `ms`, whose listener and timer go away on
 * `dispose()`. (A job's signal lives for thousands of requests: nothing may pile up on it.)
 */
function linkedSignal(parent: AbortSignal | undefined, ms: number, reason: () => unknown) {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent!.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(reason()), ms);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onAbort);
    },
  };
}

const canceledError = (signal: AbortSignal | undefined) =>
  new ShopifyAdminError("CANCELED", MESSAGES.canceled, { retryable: false, cause: signal?.reason });

/**
 * One attempt under a timeout that aborts its fetch. The race also covers a transport that
 * ignores its signal: the attempt ends on time either way.
 */
async function attempt(
  transport: AdminTransport,
  document: string,
  variables: Record<string, unknown> | undefined,
  callerSignal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<Outcome> {
  const timedOut = () => new DOMException("Shopify took too long to answer", "TimeoutError");
  const limit = linkedSignal(callerSignal, timeoutMs, timedOut);
  let stop: () => void = () => undefined;
  const stopped = new Promise<"stopped">((resolve) => {
    stop = () => resolve("stopped");
    if (limit.signal.aborted) stop();
    else limit.signal.addEventListener("abort", stop, { once: true });
  });
  const work = (async (): Promise<Outcome> => {
    try {
      return await responseOutcome(await transport(document, { variables, signal: limit.signal }));
    } catch (error) {
      const outcome = thrownOutcome(error);
      if (outcome) return outcome;
      throw error;
    }
  })();
  // The loser of the race may still reject; nobody waits for it any more.
  work.catch(() => undefined);
  try {
    const first = await Promise.race([work, stopped]);
    if (callerSignal?.aborted) throw canceledError(callerSignal);
    if (first === "stopped" || limit.signal.aborted) {
      return {
        kind: "transient",
        cost: null,
        error: new ShopifyAdminError("TIMEOUT", MESSAGES.timeout, {
          retryable: true,
          cause: limit.signal.reason,
        }),
      };
    }
    return first;
  } finally {
    limit.signal.removeEventListener("abort", stop);
    limit.dispose();
  }
}

// --- The client ---------------------------------------------------------------------------------

export function createAdminClient(
  shop: string,
  transport: AdminTransport,
  options: AdminClientOptions = {},
): AdminClient {
  const given = Object.entries(options).filter(([, value]) => value !== undefined);
  const settings: Required<AdminClientOptions> = { ...DEFAULTS, ...Object.fromEntries(given) };
  const pacer = pacerFor(shop);

  async function request<T>(document: string, requestOptions: AdminRequestOptions = {}) {
    const callerSignal = requestOptions.signal;
    if (callerSignal?.aborted) throw canceledError(callerSignal);
    // Bounds the waiting (bucket, Retry-After, backoff), never an attempt in progress.
    const deadline = linkedSignal(
      callerSignal,
      settings.deadlineMs,
      () => new DOMException("The deadline passed", "TimeoutError"),
    );
    try {
      return await run<T>(document, requestOptions, deadline.signal);
    } finally {
      deadline.dispose();
    }
  }

  async function run<T>(
    document: string,
    requestOptions: AdminRequestOptions,
    waitSignal: AbortSignal,
  ): Promise<T> {
    const callerSignal = requestOptions.signal;
    let failures = 0;
    let attempts = 0;
    let front = false;
    let lastFailure: ShopifyAdminError | null = null;

    /** Waits, and says why if the wait was cut short. */
    const waitFor = async <R>(promise: () => Promise<R>, retryAfterMs: () => number) => {
      try {
        return await promise();
      } catch (error) {
        if (callerSignal?.aborted) throw canceledError(callerSignal);
        if (!waitSignal.aborted) throw error;
        if (lastFailure) throw lastFailure;
        throw new ShopifyAdminError("THROTTLED", MESSAGES.throttled, {
          retryable: true,
          retryAfterMs: retryAfterMs(),
          cause: error,
        });
      }
    };

    for (;;) {
      const cost = () => estimateCost(document, requestOptions.estimatedCost);
      const waitStarted = performance.now();
      const reservation = await waitFor(
        () => pacer.reserve(cost, { signal: waitSignal, front }),
        () => pacer.estimateWaitMs(cost()),
      );
      observeThrottleWait(performance.now() - waitStarted);
      if (attempts > 0) stats.retried += 1;
      attempts += 1;
      stats.requests += 1;
      let outcome: Outcome;
      try {
        outcome = await attempt(
          transport,
          document,
          requestOptions.variables,
          callerSignal,
          settings.timeoutMs,
        );
      } catch (error) {
        reservation.settle(null);
        throw error;
      }
      reservation.settle(outcome.cost);
      if (outcome.cost?.requestedQueryCost != null) {
        rememberCost(document, outcome.cost.requestedQueryCost);
      }
      if (outcome.cost?.actualQueryCost != null) stats.costSpent += outcome.cost.actualQueryCost;
      recordShopifyAttempt(outcome.kind, outcome.cost?.actualQueryCost);

      switch (outcome.kind) {
        case "ok":
          return outcome.data as T;
        case "fatal":
          throw outcome.error;
        case "throttled":
          stats.throttled += 1;
          lastFailure = null;
          // With a bucket report the pacer knows how long to wait; without one, Retry-After (or a
          // second) says it.
          pacer.pause(
            outcome.retryAfterMs ??
              (outcome.cost?.throttleStatus ? MIN_THROTTLE_PAUSE_MS : DEFAULT_THROTTLE_PAUSE_MS),
          );
          // Back at the head of the line: it has waited its turn already.
          front = true;
          continue;
        case "transient": {
          failures += 1;
          lastFailure = outcome.error;
          if (failures > settings.maxRetries) throw outcome.error;
          const delay = backoffMs(failures, settings);
          await waitFor(
            () => sleep(delay, waitSignal),
            () => delay,
          );
          front = false;
          continue;
        }
      }
    }
  }

  return { shop, request };
}

/**
 * The production client for a shop: its offline session (stored when the merchant opened the app)
 * through shopify-app-remix's `unauthenticated.admin`.
 */
export async function adminClientFor(
  shop: string,
  options?: AdminClientOptions,
): Promise<AdminClient> {
  let admin: Awaited<ReturnType<typeof unauthenticated.admin>>["admin"];
  try {
    ({ admin } = await unauthenticated.admin(shop));
  } catch (error) {
    if (error instanceof SessionNotFoundError) throw unauthorized(error);
    throw error;
  }
  return createAdminClient(
    shop,
    (document, { variables, signal }) => admin.graphql(document, { variables, signal }),
    options,
  );
}

/**
 * The paced client over the `admin` of an authenticated request or webhook (shopify-app-remix's
 * `authenticate.admin` / `authenticate.webhook`), which already holds the shop's session.
 */
export function adminClientOver(
  shop: string,
  admin: {
    graphql: (document: string, options: Parameters<AdminTransport>[1]) => Promise<Response>;
  },
  options?: AdminClientOptions,
): AdminClient {
  return createAdminClient(
    shop,
    (document, { variables, signal }) => admin.graphql(document, { variables, signal }),
    options,
  );
}
