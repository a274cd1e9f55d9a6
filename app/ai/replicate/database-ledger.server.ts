/**
 * The prediction ledger in the app's database (PredictionLedgerEntry), so "asking twice never pays
 * twice" holds across restarts and between worker processes: a task retried on another worker,
 * or resumed after a crash, finds the prediction its first attempt created (or the "creating"
 * mark that makes it search Replicate's list before creating again).
 *
 * Keys carry their shop (`predictionKey(shop, ...)`: "<shop>|<parts>"), so every row is scoped to
 * a shop like the rest of the app's data; keys made without one belong to the shop "".
 */
import type { PrismaClient } from "@prisma/client";

import {
  LEDGER_ENTRY_LIFETIME_MS,
  type LedgerEntry,
  type PredictionLedger,
} from "./ledger.server.ts";

const SHOP_SEPARATOR = "|";

/** An idempotency key for the ledger: "<shop>|<parts joined by ':'>". */
export function predictionKey(shop: string, ...parts: Array<string | number>): string {
  if (!shop || shop.includes(SHOP_SEPARATOR)) {
    throw new Error(`predictionKey needs a shop domain without "${SHOP_SEPARATOR}", got "${shop}"`);
  }
  if (parts.length === 0) throw new Error("predictionKey needs at least one part after the shop");
  return `${shop}${SHOP_SEPARATOR}${parts.join(":")}`;
}

/** The shop a key was made for; "" for keys made without one. */
export function shopOfPredictionKey(key: string): string {
  const at = key.indexOf(SHOP_SEPARATOR);
  return at > 0 ? key.slice(0, at) : "";
}

export interface DatabaseLedgerOptions {
  /** Entries not written for this long are forgotten (default: the in-memory ledger's 2 h). */
  lifetimeMs?: number;
  /** At most this often, a write also prunes expired entries of every shop (default 15 min). */
  pruneEveryMs?: number;
}

interface LedgerRow {
  state: string;
  model: string | null;
  fingerprint: string | null;
  predictionId: string | null;
  startedAt: Date;
  updatedAt: Date;
}

export class DatabasePredictionLedger implements PredictionLedger {
  private readonly db: PrismaClient;
  private readonly lifetimeMs: number;
  private readonly pruneEveryMs: number;
  private lastPrune = 0;

  constructor(db: PrismaClient, options: DatabaseLedgerOptions = {}) {
    this.db = db;
    this.lifetimeMs = options.lifetimeMs ?? LEDGER_ENTRY_LIFETIME_MS;
    this.pruneEveryMs = options.pruneEveryMs ?? 15 * 60 * 1000;
  }

  async get(key: string): Promise<LedgerEntry | undefined> {
    const shop = shopOfPredictionKey(key);
    const row = await this.db.predictionLedgerEntry.findFirst({ where: { key, shop } });
    if (!row) return undefined;
    if (row.updatedAt.getTime() < this.cutoff().getTime()) {
      // Only if still stale: another process may have rewritten it since it was read.
      await this.db.predictionLedgerEntry.deleteMany({
        where: { key, shop, updatedAt: { lt: this.cutoff() } },
      });
      return undefined;
    }
    return entryOf(row);
  }

  async heldElsewhere(key: string, predictionId: string): Promise<boolean> {
    // Rare (only after a crash) and the table holds two hours of predictions: no index needed.
    const other = await this.db.predictionLedgerEntry.findFirst({
      where: { predictionId, key: { not: key } },
      select: { key: true },
    });
    return other !== null;
  }

  async set(key: string, entry: LedgerEntry): Promise<void> {
    const shop = shopOfPredictionKey(key);
    const data =
      entry.state === "creating"
        ? {
            shop,
            state: entry.state,
            model: entry.model,
            fingerprint: entry.fingerprint,
            predictionId: null,
            startedAt: new Date(entry.startedAt),
          }
        : {
            shop,
            state: entry.state,
            model: null,
            fingerprint: null,
            predictionId: entry.predictionId,
          };
    try {
      await this.db.predictionLedgerEntry.upsert({
        where: { key },
        create: { key, ...data },
        update: data,
      });
    } catch (error) {
      // Two processes creating the same key at once: the loser's write lands as an update.
      if ((error as { code?: string } | null)?.code !== "P2002") throw error;
      await this.db.predictionLedgerEntry.updateMany({ where: { key, shop }, data });
    }
    if (Date.now() - this.lastPrune > this.pruneEveryMs) {
      this.lastPrune = Date.now();
      await this.prune();
    }
  }

  async delete(key: string): Promise<void> {
    await this.db.predictionLedgerEntry.deleteMany({
      where: { key, shop: shopOfPredictionKey(key) },
    });
  }

  /**
   * Forgets expired entries of every shop (housekeeping, not a merchant's lookup, hence not
   * scoped to one shop); returns how many went.
   */
  async prune(): Promise<number> {
    const { count } = await this.db.predictionLedgerEntry.deleteMany({
      where: { updatedAt: { lt: this.cutoff() } },
    });
    return count;
  }

  private cutoff() {
    return new Date(Date.now() - this.lifetimeMs);
  }
}

function entryOf(row: LedgerRow): LedgerEntry | undefined {
  if (row.state === "created" && row.predictionId) {
    return { state: "created", predictionId: row.predictionId };
  }
  if (row.state === "creating" && row.model && row.fingerprint) {
    return {
      state: "creating",
      model: row.model,
      fingerprint: row.fingerprint,
      startedAt: row.startedAt.getTime(),
    };
  }
  // A row this code cannot read is treated as absent; the runner then writes a fresh one.
  return undefined;
}
