/**
 * The credit ledger: one append-only `CreditLedgerEntry` per event, and `CreditAccount` as its
 * running sum, written in the same transaction as each entry.
 *
 * - Σ entry.amount = account.available. A hold moves credits from available to held, a capture
 *   settles part of a hold (available does not change, so its amount is 0), a release gives held
 *   credits back, a charge spends available credits at once, an expiry removes what was left of
 *   an included grant at its period's end.
 * - Every spend is a conditional decrement (`updateMany where available >= amount`). SQLite runs
 *   one write transaction at a time, and PostgreSQL re-checks the condition on the row's newest
 *   version after waiting for its lock, so concurrent holds can never take the balance below zero
 *   on either provider.
 * - Every event has an idempotency key, unique per shop: a repeat (a retried task, a webhook
 *   delivered twice, two tabs starting the same job) returns the first entry and changes nothing.
 */
import type { CreditLedgerEntry, Prisma, PrismaClient } from "@prisma/client";

import { recordCreditsConsumed } from "../observability/metrics.server.ts";

import { formatCredits } from "./costs.ts";
import { calendarPeriod, currentPlan, type CreditPeriod } from "./plan-state.server.ts";
import type { CreditPlan } from "./plans.server.ts";

type Tx = Prisma.TransactionClient;

/** The app's client, or a transaction already open (settling an item inside its state change). */
export type CreditDb = PrismaClient | Tx;

export type CreditEntryKind = "grant" | "hold" | "capture" | "release" | "charge" | "expire";

export class InsufficientCreditsError extends Error {
  override name = "InsufficientCreditsError";
  readonly available: number;
  readonly needed: number;
  constructor(needed: number, available: number, what = "This job") {
    super(
      `${what} needs ${formatCredits(needed)} and you have ${available} left. ` +
        "Choose fewer images or AI steps, buy credits or change plan on the Plans page, or wait " +
        "until your included credits renew.",
    );
    this.needed = needed;
    this.available = available;
  }
}

/** The ledger and the account disagree: a bug, never a merchant's doing. */
export class LedgerInvariantError extends Error {
  override name = "LedgerInvariantError";
}

export interface CreditBalance {
  available: number;
  held: number;
}

export interface CreditSummary extends CreditBalance {
  plan: CreditPlan;
  periodEndsAt: Date | null;
}

export interface LedgerResult {
  entry: CreditLedgerEntry;
  /** True when the idempotency key was already used: nothing changed this time. */
  repeated: boolean;
}

function isClient(db: CreditDb): db is PrismaClient {
  return "$transaction" in db;
}

function inTransaction<T>(db: CreditDb, work: (tx: Tx) => Promise<T>): Promise<T> {
  return isClient(db) ? db.$transaction(work) : work(db);
}

function isUniqueViolation(error: unknown) {
  return (error as { code?: string } | null)?.code === "P2002";
}

function assertAmount(amount: number, what: string) {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new RangeError(`${what} must be a positive whole number of credits, not ${amount}`);
  }
}

const entryKey = (shop: string, idempotencyKey: string) => ({
  shop_idempotencyKey: { shop, idempotencyKey },
});

/**
 * Creates the shop's account row outside any transaction: two first-ever events racing on
 * PostgreSQL would otherwise abort one transaction on the primary key.
 */
async function ensureAccount(db: CreditDb, shop: string) {
  if (!isClient(db)) {
    await db.creditAccount.upsert({ where: { shop }, create: { shop }, update: {} });
    return;
  }
  if (await db.creditAccount.findUnique({ where: { shop }, select: { shop: true } })) return;
  try {
    await db.creditAccount.create({ data: { shop } });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
}

type EntryData = Omit<Prisma.CreditLedgerEntryUncheckedCreateInput, "shop" | "idempotencyKey">;

/**
 * Applies `effect` (which changes the account and says what to record) and records the entry, in
 * one transaction, unless the key was used before. The transaction first writes the account row:
 * on PostgreSQL that row lock queues every event of the shop behind the one in flight, so the
 * look-up for the key sees a duplicate that committed meanwhile and balances are read stable.
 * Should two attempts still meet at the unique key, the loser rolls back (account change
 * included) and answers with the winner's entry.
 */
async function applyOnce(
  db: CreditDb,
  shop: string,
  idempotencyKey: string,
  effect: (tx: Tx) => Promise<EntryData>,
): Promise<LedgerResult> {
  try {
    return await inTransaction(db, async (tx) => {
      const locked = await tx.creditAccount.updateMany({
        where: { shop },
        data: { updatedAt: new Date() },
      });
      if (locked.count === 0) throw new LedgerInvariantError(`${shop} has no credit account`);
      const existing = await tx.creditLedgerEntry.findUnique({
        where: entryKey(shop, idempotencyKey),
      });
      if (existing) return { entry: existing, repeated: true };
      const data = await effect(tx);
      const entry = await tx.creditLedgerEntry.create({ data: { ...data, shop, idempotencyKey } });
      return { entry, repeated: false };
    });
  } catch (error) {
    if (!isUniqueViolation(error) || !isClient(db)) throw error;
    const existing = await db.creditLedgerEntry.findUnique({
      where: entryKey(shop, idempotencyKey),
    });
    if (!existing) throw error;
    return { entry: existing, repeated: true };
  }
}

async function availableNow(tx: Tx, shop: string) {
  const account = await tx.creditAccount.findUnique({ where: { shop } });
  return account?.available ?? 0;
}

/** available → held, only if enough is available. */
async function takeIntoHold(tx: Tx, shop: string, amount: number, what: string) {
  const taken = await tx.creditAccount.updateMany({
    where: { shop, available: { gte: amount } },
    data: { available: { decrement: amount }, held: { increment: amount } },
  });
  if (taken.count === 0)
    throw new InsufficientCreditsError(amount, await availableNow(tx, shop), what);
}

/** Settles part of a hold; `back` returns it to available (release) instead of spending it. */
async function settleHeld(tx: Tx, shop: string, amount: number, back: boolean) {
  const settled = await tx.creditAccount.updateMany({
    where: { shop, held: { gte: amount } },
    data: back
      ? { held: { decrement: amount }, available: { increment: amount } }
      : { held: { decrement: amount } },
  });
  if (settled.count === 0) {
    throw new LedgerInvariantError(`${shop} holds fewer than ${amount} credits; nothing to settle`);
  }
}

export async function creditBalance(db: CreditDb, shop: string): Promise<CreditBalance> {
  const account = await db.creditAccount.findUnique({ where: { shop } });
  return { available: account?.available ?? 0, held: account?.held ?? 0 };
}

export interface GrantInput {
  amount: number;
  /** Where the credits come from: `plan:<plan>:<period>`, `pack:<purchase>`, ... */
  source: string;
  description: string;
  idempotencyKey: string;
  /** When included credits stop counting; purchased credits never expire. */
  expiresAt?: Date | null;
}

export async function grantCredits(
  db: CreditDb,
  shop: string,
  input: GrantInput,
): Promise<LedgerResult> {
  assertAmount(input.amount, "A grant");
  await ensureAccount(db, shop);
  return applyOnce(db, shop, input.idempotencyKey, async (tx) => {
    await tx.creditAccount.update({
      where: { shop },
      data: { available: { increment: input.amount } },
    });
    return {
      kind: "grant",
      amount: input.amount,
      source: input.source,
      description: input.description,
      expiresAt: input.expiresAt ?? null,
    };
  });
}

export interface HoldInput {
  jobId: string;
  amount: number;
  idempotencyKey: string;
  description: string;
  jobItemId?: string;
  /** The clock for renewing included credits first (tests set it). */
  now?: Date;
}

/** Reserves credits for work about to run; throws InsufficientCreditsError when too few are left. */
export async function holdCredits(
  db: CreditDb,
  shop: string,
  input: HoldInput,
): Promise<LedgerResult> {
  assertAmount(input.amount, "A hold");
  await renewIncludedCredits(db, shop, input.now);
  await ensureAccount(db, shop);
  return applyOnce(db, shop, input.idempotencyKey, async (tx) => {
    await takeIntoHold(tx, shop, input.amount, "This job");
    return {
      kind: "hold",
      amount: -input.amount,
      source: `job:${input.jobId}`,
      jobId: input.jobId,
      jobItemId: input.jobItemId ?? null,
      description: input.description,
    };
  });
}

export interface CaptureInput {
  jobId: string;
  jobItemId: string;
  amount: number;
  idempotencyKey: string;
  description?: string;
}

/** Spends held credits for work that succeeded. */
export async function captureCredits(
  db: CreditDb,
  shop: string,
  input: CaptureInput,
): Promise<LedgerResult> {
  assertAmount(input.amount, "A capture");
  const result = await applyOnce(db, shop, input.idempotencyKey, async (tx) => {
    await settleHeld(tx, shop, input.amount, false);
    return {
      kind: "capture",
      amount: 0,
      source: `job:${input.jobId}`,
      jobId: input.jobId,
      jobItemId: input.jobItemId,
      description: input.description ?? `${formatCredits(input.amount)} used`,
    };
  });
  // Inside a caller's transaction this counts before the commit: a rollback overcounts by one.
  if (!result.repeated) recordCreditsConsumed("capture", input.amount);
  return result;
}

export interface ReleaseInput {
  jobId: string;
  jobItemId?: string;
  amount: number;
  idempotencyKey: string;
  description: string;
}

/** Gives held credits back: the work failed or was canceled before it was charged. */
export async function releaseCredits(
  db: CreditDb,
  shop: string,
  input: ReleaseInput,
): Promise<LedgerResult> {
  assertAmount(input.amount, "A release");
  return applyOnce(db, shop, input.idempotencyKey, async (tx) => {
    await settleHeld(tx, shop, input.amount, true);
    return {
      kind: "release",
      amount: input.amount,
      source: `job:${input.jobId}`,
      jobId: input.jobId,
      jobItemId: input.jobItemId ?? null,
      description: input.description,
    };
  });
}

export interface ChargeInput {
  jobId: string;
  jobItemId: string;
  amount: number;
  idempotencyKey: string;
  description: string;
  now?: Date;
}

/** Hold and capture at once, for a single step the merchant asked for (regenerate, erase). */
export async function chargeCredits(
  db: CreditDb,
  shop: string,
  input: ChargeInput,
): Promise<LedgerResult> {
  assertAmount(input.amount, "A charge");
  await renewIncludedCredits(db, shop, input.now);
  await ensureAccount(db, shop);
  const result = await applyOnce(db, shop, input.idempotencyKey, async (tx) => {
    const spent = await tx.creditAccount.updateMany({
      where: { shop, available: { gte: input.amount } },
      data: { available: { decrement: input.amount } },
    });
    if (spent.count === 0) {
      throw new InsufficientCreditsError(input.amount, await availableNow(tx, shop), "This edit");
    }
    return {
      kind: "charge",
      amount: -input.amount,
      source: `job:${input.jobId}`,
      jobId: input.jobId,
      jobItemId: input.jobItemId,
      description: input.description,
    };
  });
  if (!result.repeated) recordCreditsConsumed("charge", input.amount);
  return result;
}

/** The Free plan's credit period: a calendar month in UTC (paid plans: plan-state.server.ts). */
export const creditPeriod = calendarPeriod;

const SPENDING_KINDS: CreditEntryKind[] = ["hold", "charge", "release"];

/**
 * Removes what is left of an included grant once its period is over. Expiring credits are the
 * ones spent first (a merchant would not want purchased credits used while included ones lapse),
 * so what is left is the grant minus the net spending since it, never more than the balance.
 * Every spend renews the period first, so the spending counted here is the grant's own period's.
 * Holds still open at the end count as spent; released later, they come back as credits that do
 * not expire, in the merchant's favour.
 */
async function expireGrant(db: CreditDb, shop: string, grant: CreditLedgerEntry) {
  return applyOnce(db, shop, `expire:${grant.idempotencyKey}`, async (tx) => {
    const flows = await tx.creditLedgerEntry.findMany({
      where: {
        shop,
        kind: { in: SPENDING_KINDS },
        createdAt: { gte: grant.createdAt },
        id: { not: grant.id },
      },
      select: { kind: true, amount: true, jobId: true },
    });
    // A release counts only against holds of the same period: credits held before the grant
    // and given back after it were never included credits.
    const heldSince = new Set(
      flows.flatMap((f) => (f.kind === "hold" && f.jobId ? [f.jobId] : [])),
    );
    const net = flows
      .filter((f) => f.kind !== "release" || (f.jobId !== null && heldSince.has(f.jobId)))
      .reduce((sum, f) => sum + f.amount, 0);
    const spent = Math.max(0, -net);
    const unused = Math.max(0, grant.amount - spent);
    // The account row is locked by applyOnce, so the balance read here is the one decremented.
    const amount = Math.min(unused, await availableNow(tx, shop));
    if (amount > 0) {
      await tx.creditAccount.update({
        where: { shop },
        data: { available: { decrement: amount } },
      });
    }
    return {
      kind: "expire",
      amount: -amount,
      source: grant.source,
      description:
        amount === 0
          ? "No included credits were left at the end of the period"
          : `${formatCredits(amount)} of included credits expired at the end of the period`,
    };
  });
}

async function expireLapsedGrants(db: CreditDb, shop: string, now: Date) {
  const lapsed = await db.creditLedgerEntry.findMany({
    where: { shop, kind: "grant", expiresAt: { lte: now } },
    orderBy: [{ expiresAt: "asc" }, { createdAt: "asc" }],
  });
  if (lapsed.length === 0) return;
  const done = new Set(
    (
      await db.creditLedgerEntry.findMany({
        where: {
          shop,
          idempotencyKey: { in: lapsed.map((grant) => `expire:${grant.idempotencyKey}`) },
        },
        select: { idempotencyKey: true },
      })
    ).map((entry) => entry.idempotencyKey),
  );
  for (const grant of lapsed) {
    if (done.has(`expire:${grant.idempotencyKey}`)) continue;
    await expireGrant(db, shop, grant);
  }
}

/**
 * The shop's balance and plan, after making the plan's included credits for the current period
 * exist exactly once (any number of concurrent calls grant once) and expiring earlier periods'.
 */
export async function creditSummary(
  db: CreditDb,
  shop: string,
  now: Date = new Date(),
): Promise<CreditSummary> {
  const { plan, period } = await renewIncludedCredits(db, shop, now);
  return { ...(await creditBalance(db, shop)), plan, periodEndsAt: period.end };
}

/**
 * Expires earlier periods' included credits and grants the current period's, once each. Spends
 * call it first, so a merchant whose first action of the month is starting a job has the month's
 * credits. Inside a caller's transaction it does nothing: a grant is never made half-way through
 * someone else's work.
 */
export async function renewIncludedCredits(
  db: CreditDb,
  shop: string,
  now: Date = new Date(),
): Promise<{ plan: CreditPlan; period: CreditPeriod }> {
  const { plan, period } = await currentPlan(db, shop, now);
  if (isClient(db)) {
    await expireLapsedGrants(db, shop, now);
    if (plan.monthlyCredits > 0) {
      await grantCredits(db, shop, {
        amount: plan.monthlyCredits,
        source: `plan:${plan.id}:${period.key}`,
        description: `${plan.name} plan: ${formatCredits(plan.monthlyCredits)} included for ${period.label}`,
        idempotencyKey: `plan-grant:${plan.id}:${period.key}`,
        expiresAt: period.end,
      });
    }
  }
  return { plan, period };
}

export interface LedgerPage {
  entries: CreditLedgerEntry[];
  nextCursor: string | null;
}

/**
 * The shop's ledger, newest first. The cursor is an entry id; another shop's id answers like an
 * unknown one (an empty page).
 */
export async function ledgerHistory(
  db: CreditDb,
  shop: string,
  { take, cursor }: { take: number; cursor?: string | null },
): Promise<LedgerPage> {
  const size = Math.min(Math.max(Math.trunc(take), 1), 200);
  let after: Prisma.CreditLedgerEntryWhereInput = {};
  if (cursor) {
    const from = await db.creditLedgerEntry.findFirst({
      where: { id: cursor, shop },
      select: { id: true, createdAt: true },
    });
    if (!from) return { entries: [], nextCursor: null };
    after = {
      OR: [
        { createdAt: { lt: from.createdAt } },
        { createdAt: from.createdAt, id: { lt: from.id } },
      ],
    };
  }
  const rows = await db.creditLedgerEntry.findMany({
    where: { shop, ...after },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: size + 1,
  });
  const entries = rows.slice(0, size);
  return {
    entries,
    nextCursor: rows.length > size ? (entries[entries.length - 1]?.id ?? null) : null,
  };
}
