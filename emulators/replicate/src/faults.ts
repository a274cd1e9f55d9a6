/**
 * Fault injection: the failures a client of Replicate has to survive, switched on per test.
 * Counted faults ("times") are used up one request (or prediction) at a time; rate-based faults
 * ("failureRate", "createFailureRate") hit a seeded share of them, for load tests.
 */
import { createHash } from "node:crypto";

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
  /** This share (0..1) of predictions fail with a (transient) model error. */
  failureRate?: number;
  /** This share (0..1) of creations answer 503 and create nothing. */
  createFailureRate?: number;
  /**
   * Seed of the rate-based faults (default 1). Whether a prediction fails depends on the seed,
   * its input and how many times that input was sent before, not on arrival order: the same
   * run fails the same inputs, and a retry of a failed input gets a fresh draw.
   */
  seed?: number;
}

export class FaultInjector {
  private faults: Faults = {};
  /** How often each input was drawn for, by kind: the "occurrence" in each draw. */
  private readonly occurrences = new Map<string, number>();

  inject(faults: Faults) {
    this.faults = { ...this.faults, ...structuredClone(faults) };
  }

  clear() {
    this.faults = {};
    this.occurrences.clear();
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

  /** Whether this creation (of this input digest) is one of the `createFailureRate` share. */
  failsCreation(inputDigest: string): boolean {
    return this.draw("create", inputDigest, this.faults.createFailureRate);
  }

  /** Whether this prediction (of this input digest) is one of the `failureRate` share. */
  failsPrediction(inputDigest: string): boolean {
    return this.draw("predict", inputDigest, this.faults.failureRate);
  }

  private draw(kind: string, inputDigest: string, rate: number | undefined) {
    if (!rate || rate <= 0) return false;
    const key = `${kind}:${inputDigest}`;
    const occurrence = this.occurrences.get(key) ?? 0;
    this.occurrences.set(key, occurrence + 1);
    const hash = createHash("sha256")
      .update(`${this.faults.seed ?? 1}:${key}:${occurrence}`)
      .digest();
    return hash.readUInt32BE(0) / 2 ** 32 < rate;
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
