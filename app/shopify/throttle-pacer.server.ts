/**
 * Pacing on Shopify's query-cost bucket, so the job workers' Admin calls queue here instead of
 * being refused with THROTTLED. https://shopify.dev/docs/api/usage/rate-limits#graphql-admin-api-rate-limits
 *
 * Each shop's bucket (one per app and store on Shopify's side) holds `maximumAvailable` points and
 * refills at `restoreRate` points a second; a query is charged its requested cost up front, and the
 * difference to its actual cost is refunded once it ran. Every answer reports the bucket in
 * `extensions.cost.throttleStatus`. This module keeps a model of each shop's bucket from those
 * reports (process-wide) and lets a request go only when its estimated cost fits in what the model
 * says is there now, minus what requests in flight may still take. Waiters are served first come,
 * first served, so one expensive query is not starved by a stream of cheap ones.
 *
 * The model is deliberately cautious: a report reaching us was computed earlier than we read it,
 * Shopify rounds `currentlyAvailable` down, and in-flight requests the report already paid for are
 * subtracted again. Other processes (the web server, other workers) spend from the same bucket
 * without telling us, so a THROTTLED answer remains possible; the client retries those.
 */

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/** Shopify's `extensions.cost` block; THROTTLED answers carry no actual cost. */
export interface QueryCost {
  requestedQueryCost: number | null;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus | null;
}

/** What a document costs before Shopify has priced it once (a page of 25 small nodes is ~52). */
export const DEFAULT_ESTIMATED_COST = 50;

const finite = (value: unknown): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : null;

/** The cost block of an answer's `extensions`, if it has a usable one. */
export function readQueryCost(extensions: unknown): QueryCost | null {
  const cost = (extensions as { cost?: Record<string, unknown> } | null | undefined)?.cost;
  if (!cost || typeof cost !== "object") return null;
  const status = cost.throttleStatus as Record<string, unknown> | null | undefined;
  const maximumAvailable = finite(status?.maximumAvailable);
  const currentlyAvailable = finite(status?.currentlyAvailable);
  const restoreRate = finite(status?.restoreRate);
  return {
    requestedQueryCost: finite(cost.requestedQueryCost),
    actualQueryCost: finite(cost.actualQueryCost),
    throttleStatus:
      maximumAvailable !== null &&
      currentlyAvailable !== null &&
      restoreRate !== null &&
      maximumAvailable > 0 &&
      restoreRate > 0
        ? { maximumAvailable, currentlyAvailable, restoreRate }
        : null,
  };
}

// The documents are the app's constants, so this stays small; the cap guards against documents
// built at run time.
const MAX_REMEMBERED_DOCUMENTS = 500;
const documentCosts = new Map<string, number>();

/** The requested cost Shopify quoted the last time for this document, else the caller's guess. */
export function estimateCost(document: string, estimatedCost?: number): number {
  return documentCosts.get(document) ?? estimatedCost ?? DEFAULT_ESTIMATED_COST;
}

export function rememberCost(document: string, requestedQueryCost: number) {
  documentCosts.delete(document);
  documentCosts.set(document, requestedQueryCost);
  if (documentCosts.size > MAX_REMEMBERED_DOCUMENTS) {
    documentCosts.delete(documentCosts.keys().next().value!);
  }
}

/** Room taken in a shop's bucket by one request; settle it exactly once, answer or not. */
export interface Reservation {
  readonly cost: number;
  /** The answer's cost block (null: no answer, or none in it). */
  settle(cost: QueryCost | null): void;
}

interface Waiter {
  cost: () => number;
  grant: (reservation: Reservation) => void;
  detach: () => void;
}

interface BucketModel {
  maximum: number;
  restoreRate: number;
  /** Points available at `at` (performance.now()), as Shopify last reported them. */
  available: number;
  at: number;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

export class ShopBucketPacer {
  private model: BucketModel | null = null;
  private inFlightCost = 0;
  private inFlightCount = 0;
  private pausedUntil = 0;
  private queue: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Waits (first come, first served) until `cost` points fit, then reserves them. A function is
   * asked again each time the line moves, so a waiter queued before its document's first answer
   * waits for what that answer taught, not for the guess.
   */
  reserve(cost: number | (() => number), options: { signal?: AbortSignal; front?: boolean } = {}) {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<Reservation>((resolve, reject) => {
      const onAbort = () => {
        this.queue = this.queue.filter((candidate) => candidate !== waiter);
        reject(abortReason(signal!));
        this.pump();
      };
      const waiter: Waiter = {
        cost: () => Math.max(0, typeof cost === "function" ? cost() : cost),
        grant: resolve,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (options.front) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      this.pump();
    });
  }

  /** Nothing may start for `ms` (an HTTP 429's Retry-After, or a THROTTLED without a report). */
  pause(ms: number) {
    this.pausedUntil = Math.max(this.pausedUntil, performance.now() + ms);
    this.pump();
  }

  /** How long a request of `cost` would wait now with nothing else queued (for error hints). */
  estimateWaitMs(cost: number): number {
    const wait = this.waitMs(cost, performance.now());
    return Number.isFinite(wait) ? wait : 1_000;
  }

  /** The model's view of the bucket, for logs and tests. */
  snapshot() {
    const now = performance.now();
    return {
      known: this.model !== null,
      maximumAvailable: this.model?.maximum ?? null,
      restoreRate: this.model?.restoreRate ?? null,
      estimatedAvailable: this.model ? Math.floor(this.availableAt(this.model, now)) : null,
      inFlightCost: this.inFlightCost,
      inFlight: this.inFlightCount,
      waiting: this.queue.length,
    };
  }

  private availableAt(model: BucketModel, now: number) {
    return Math.min(model.maximum, model.available + ((now - model.at) / 1000) * model.restoreRate);
  }

  /**
   * 0 when `cost` may go now, a positive wait when refilling alone will make room, Infinity when
   * only an answer can (the bucket is not known yet, or in-flight requests hold what is needed).
   */
  private waitMs(cost: number, now: number): number {
    const paused = Math.max(0, this.pausedUntil - now);
    const model = this.model;
    // Until a first answer tells us the bucket's size, one request at a time finds out.
    if (!model) return this.inFlightCount > 0 ? Infinity : paused;
    // A query costing more than the whole bucket goes when the bucket is full, and Shopify judges.
    const need = Math.min(cost, model.maximum);
    if (model.maximum - this.inFlightCost < need) return Infinity;
    const deficit = need - (this.availableAt(model, now) - this.inFlightCost);
    const refill = deficit > 0 ? Math.ceil((deficit / model.restoreRate) * 1000) : 0;
    return Math.max(paused, refill);
  }

  private pump() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const cost = head.cost();
      const wait = this.waitMs(cost, performance.now());
      if (wait > 0) {
        // An answer arriving earlier pumps again; refilling alone needs the timer.
        if (Number.isFinite(wait)) this.timer = setTimeout(() => this.pump(), wait);
        return;
      }
      this.queue.shift();
      head.detach();
      head.grant(this.grant(cost));
    }
  }

  private grant(cost: number): Reservation {
    this.inFlightCost += cost;
    this.inFlightCount += 1;
    let settled = false;
    return {
      cost,
      settle: (report) => {
        if (settled) return;
        settled = true;
        this.inFlightCost -= cost;
        this.inFlightCount -= 1;
        this.learn(cost, report);
        this.pump();
      },
    };
  }

  private learn(reserved: number, report: QueryCost | null) {
    const now = performance.now();
    const status = report?.throttleStatus;
    if (status) {
      // Read as of now, not as of when Shopify computed it: errs towards less available.
      this.model = {
        maximum: status.maximumAvailable,
        restoreRate: status.restoreRate,
        available: Math.min(status.currentlyAvailable, status.maximumAvailable),
        at: now,
      };
      return;
    }
    if (this.model && report) {
      // No report of the bucket, but a price: what it ran for is what it took (the refund of
      // requested minus actual included).
      const spent = report.actualQueryCost ?? report.requestedQueryCost ?? reserved;
      this.model = {
        ...this.model,
        available: Math.max(0, this.availableAt(this.model, now) - spent),
        at: now,
      };
    }
  }
}

const pacers = new Map<string, ShopBucketPacer>();

/** The process-wide pacer of a shop's bucket. */
export function pacerFor(shop: string): ShopBucketPacer {
  let pacer = pacers.get(shop);
  if (!pacer) {
    pacer = new ShopBucketPacer();
    pacers.set(shop, pacer);
  }
  return pacer;
}

/** Forgets every shop's bucket and every document's cost (tests). */
export function resetThrottlePacing() {
  pacers.clear();
  documentCosts.clear();
}
