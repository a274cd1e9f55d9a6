/**
 * Fault injection: the failures a client of Replicate has to survive, switched on per test.
 * Counted faults ("times") are used up one request (or prediction) at a time.
 */

export interface Faults {
  /** The next `times` prediction creations answer `status` (default 503) and create nothing. */
  failCreate?: { times: number; status?: number };
  /** The next `times` creations drop the connection before anything is created. */
  dropBeforeCreate?: { times: number };
  /** The next `times` creations create (and bill) the prediction, then drop the connection. */
  dropAfterCreate?: { times: number };
  /** The next `times` matching requests answer 429 with Retry-After. */
  rateLimit?: { times: number; retryAfterSeconds: number; scope?: "create" | "all" };
  /** Predictions (of `model`, "owner/name", or all) stay "processing" this long. */
  slow?: { model?: string; processingMs: number };
  /** Predictions (of `model`, or all) fail with this error, `times` times (default: always). */
  modelError?: { model?: string; message: string; times?: number };
  /** Webhooks are never sent, as if every delivery were lost. */
  dropWebhooks?: boolean;
}

export class FaultInjector {
  private faults: Faults = {};

  inject(faults: Faults) {
    this.faults = { ...this.faults, ...structuredClone(faults) };
  }

  clear() {
    this.faults = {};
  }

  get current(): Readonly<Faults> {
    return this.faults;
  }

  /** Uses up one of a counted fault; true when it applies to this request. */
  take(name: "failCreate" | "dropBeforeCreate" | "dropAfterCreate"): boolean {
    const fault = this.faults[name];
    if (!fault || fault.times <= 0) return false;
    fault.times -= 1;
    return true;
  }

  takeRateLimit(isCreate: boolean): number | null {
    const fault = this.faults.rateLimit;
    if (!fault || fault.times <= 0) return null;
    if ((fault.scope ?? "all") === "create" && !isCreate) return null;
    fault.times -= 1;
    return fault.retryAfterSeconds;
  }

  processingMs(model: string): number | null {
    const slow = this.faults.slow;
    return slow && (!slow.model || slow.model === model) ? slow.processingMs : null;
  }

  takeModelError(model: string): string | null {
    const fault = this.faults.modelError;
    if (!fault || (fault.model && fault.model !== model)) return null;
    if (fault.times !== undefined) {
      if (fault.times <= 0) return null;
      fault.times -= 1;
    }
    return fault.message;
  }
}
