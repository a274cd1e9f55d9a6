/**
 * What Photo Studio has asked Replicate to do, by idempotency key, so that asking twice never
 * pays twice. Replicate's API takes no idempotency key itself, so the key is kept here:
 *
 * - "creating": a create request went out and its answer is not known (yet). Before creating
 *   again under the same key, Replicate's prediction list is searched for it.
 * - "created": the prediction's id; a repeat call follows that prediction instead.
 *
 * The in-memory ledger covers retries within one process; DatabasePredictionLedger
 * (database-ledger.server.ts) makes the guarantee survive restarts and span worker processes.
 */

export type LedgerEntry =
  | { state: "creating"; model: string; fingerprint: string; startedAt: number }
  | { state: "created"; predictionId: string };

export interface PredictionLedger {
  get(key: string): Promise<LedgerEntry | undefined>;
  set(key: string, entry: LedgerEntry): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Whether a key other than `key` already holds this prediction. A crashed creation is found again
   * by model and input; two items with the same photo have the same input, and each must keep its
   * own prediction rather than adopt the other's.
   */
  heldElsewhere(key: string, predictionId: string): Promise<boolean>;
}

/** Replicate deletes a prediction's data after an hour; entries need not outlive that by much. */
export const LEDGER_ENTRY_LIFETIME_MS = 2 * 60 * 60 * 1000;

export class InMemoryPredictionLedger implements PredictionLedger {
  private readonly entries = new Map<string, { entry: LedgerEntry; at: number }>();

  async get(key: string) {
    const found = this.entries.get(key);
    if (!found) return undefined;
    if (Date.now() - found.at > LEDGER_ENTRY_LIFETIME_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return found.entry;
  }

  async set(key: string, entry: LedgerEntry) {
    this.entries.set(key, { entry, at: Date.now() });
    if (this.entries.size > 10_000) {
      // Oldest first (insertion order): forget the first tenth.
      for (const old of [...this.entries.keys()].slice(0, 1_000)) this.entries.delete(old);
    }
  }

  async delete(key: string) {
    this.entries.delete(key);
  }

  async heldElsewhere(key: string, predictionId: string) {
    for (const [other, { entry }] of this.entries) {
      if (other !== key && entry.state === "created" && entry.predictionId === predictionId) {
        return true;
      }
    }
    return false;
  }
}
