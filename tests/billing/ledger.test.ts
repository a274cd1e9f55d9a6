import type { PrismaClient } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  captureCredits,
  chargeCredits,
  creditBalance,
  creditPeriod,
  creditSummary,
  grantCredits,
  holdCredits,
  InsufficientCreditsError,
  ledgerHistory,
  releaseCredits,
} from "~/billing/ledger.server";
import { FREE_PLAN } from "~/billing/plans.server";
import { createPrismaClient } from "~/db/client.server";

import { migratedDatabase, providers } from "../support/databases";

let shopCounter = 0;
/** A shop of its own per test: the PostgreSQL schema is shared by every file of the run. */
const newShop = () => `ledger-${Date.now()}-${shopCounter++}.myshopify.com`;

/** The ledger's own account of the balance, to compare with the running sum. */
async function ledgerSum(db: PrismaClient, shop: string) {
  const sum = await db.creditLedgerEntry.aggregate({ where: { shop }, _sum: { amount: true } });
  return sum._sum.amount ?? 0;
}

async function pack(db: PrismaClient, shop: string, amount: number, id = "1") {
  return grantCredits(db, shop, {
    amount,
    source: `pack:${id}`,
    description: `${amount} credits bought`,
    idempotencyKey: `pack:${id}`,
  });
}

describe("the insufficient-credits message", () => {
  it("says in plain words what is needed and what is left", () => {
    const error = new InsufficientCreditsError(40, 12);
    expect(error.message).toMatch(/^This job needs 40 credits and you have 12 left\./);
    expect(error).toMatchObject({ needed: 40, available: 12 });
  });
});

describe.each(providers)("the credit ledger on $name", ({ name, skip }) => {
  let db: PrismaClient;
  beforeAll(() => {
    if (!skip) db = createPrismaClient(migratedDatabase(name));
  });
  afterAll(async () => {
    await db?.$disconnect();
  });

  it.skipIf(skip)(
    "moves credits through hold, capture and release, the entries summing to the account",
    async () => {
      const shop = newShop();
      await pack(db, shop, 30);
      await holdCredits(db, shop, {
        jobId: "job-1",
        amount: 12,
        idempotencyKey: "h1",
        description: "held",
      });
      expect(await creditBalance(db, shop)).toEqual({
        available: 18 + FREE_PLAN.monthlyCredits,
        held: 12,
      });
      await captureCredits(db, shop, {
        jobId: "job-1",
        jobItemId: "i1",
        amount: 5,
        idempotencyKey: "c1",
      });
      await releaseCredits(db, shop, {
        jobId: "job-1",
        jobItemId: "i2",
        amount: 7,
        idempotencyKey: "r1",
        description: "failed",
      });
      await chargeCredits(db, shop, {
        jobId: "job-1",
        jobItemId: "i1",
        amount: 2,
        idempotencyKey: "x1",
        description: "regenerated",
      });
      const balance = await creditBalance(db, shop);
      expect(balance).toEqual({ available: 30 + FREE_PLAN.monthlyCredits - 5 - 2, held: 0 });
      expect(await ledgerSum(db, shop)).toBe(balance.available);
      const kinds = (
        await db.creditLedgerEntry.findMany({ where: { shop }, orderBy: { createdAt: "asc" } })
      ).map((e) => [e.kind, e.amount]);
      expect(kinds).toEqual([
        ["grant", 30],
        ["grant", FREE_PLAN.monthlyCredits],
        ["hold", -12],
        ["capture", 0],
        ["release", 7],
        ["charge", -2],
      ]);
    },
  );

  it.skipIf(skip)(
    "lets exactly 10 of 50 concurrent holds of 10 through against 100 credits",
    async () => {
      const shop = newShop();
      await creditSummary(db, shop);
      await pack(db, shop, 100 - FREE_PLAN.monthlyCredits);
      expect((await creditBalance(db, shop)).available).toBe(100);

      const seen: number[] = [];
      let racing = true;
      const watcher = (async () => {
        while (racing) {
          const { available, held } = await creditBalance(db, shop);
          seen.push(available, held);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          holdCredits(db, shop, {
            jobId: `job-${i}`,
            amount: 10,
            idempotencyKey: `hold:${i}`,
            description: "job",
          }),
        ),
      );
      racing = false;
      await watcher;

      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
      expect(won).toHaveLength(10);
      expect(lost).toHaveLength(40);
      for (const error of lost) {
        expect(error).toBeInstanceOf(InsufficientCreditsError);
        expect(error).toMatchObject({ needed: 10, available: 0 });
      }
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
      expect(await creditBalance(db, shop)).toEqual({ available: 0, held: 100 });
      expect(await ledgerSum(db, shop)).toBe(0);
      expect(await db.creditLedgerEntry.count({ where: { shop, kind: "hold" } })).toBe(10);
    },
  );

  it.skipIf(skip)("lands a repeated event once and answers with the first entry", async () => {
    const shop = newShop();
    const first = await pack(db, shop, 20, "p");
    const again = await pack(db, shop, 20, "p");
    expect(first.repeated).toBe(false);
    expect(again).toMatchObject({ repeated: true, entry: { id: first.entry.id } });

    const holds = await Promise.all(
      Array.from({ length: 8 }, () =>
        holdCredits(db, shop, {
          jobId: "j",
          amount: 9,
          idempotencyKey: "hold:j",
          description: "job",
        }),
      ),
    );
    expect(new Set(holds.map((h) => h.entry.id)).size).toBe(1);
    expect(holds.filter((h) => !h.repeated)).toHaveLength(1);

    const capture = { jobId: "j", jobItemId: "a", amount: 4, idempotencyKey: "capture:a" };
    await Promise.all([captureCredits(db, shop, capture), captureCredits(db, shop, capture)]);
    const release = {
      jobId: "j",
      jobItemId: "b",
      amount: 5,
      idempotencyKey: "release:b",
      description: "failed",
    };
    await Promise.all([releaseCredits(db, shop, release), releaseCredits(db, shop, release)]);
    const charge = {
      jobId: "j",
      jobItemId: "a",
      amount: 3,
      idempotencyKey: "erase:a",
      description: "erase",
    };
    await chargeCredits(db, shop, charge);
    await chargeCredits(db, shop, charge);

    const expected = 20 + FREE_PLAN.monthlyCredits - 9 + 5 - 3;
    expect(await creditBalance(db, shop)).toEqual({ available: expected, held: 0 });
    expect(await ledgerSum(db, shop)).toBe(expected);
    expect(await db.creditLedgerEntry.count({ where: { shop } })).toBe(6);
  });

  it.skipIf(skip)("refuses a charge beyond the balance and changes nothing", async () => {
    const shop = newShop();
    await creditSummary(db, shop);
    const error = await chargeCredits(db, shop, {
      jobId: "j",
      jobItemId: "a",
      amount: FREE_PLAN.monthlyCredits + 1,
      idempotencyKey: "too-much",
      description: "regenerate",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect((error as Error).message).toContain(`you have ${FREE_PLAN.monthlyCredits} left`);
    expect(await creditBalance(db, shop)).toEqual({ available: FREE_PLAN.monthlyCredits, held: 0 });
    expect(await db.creditLedgerEntry.count({ where: { shop, idempotencyKey: "too-much" } })).toBe(
      0,
    );
  });

  it.skipIf(skip)(
    "grants the Free plan's monthly credits once per period, even when asked concurrently",
    async () => {
      const shop = newShop();
      const now = new Date("2026-11-10T12:00:00Z");
      const summaries = await Promise.all(
        Array.from({ length: 10 }, () => creditSummary(db, shop, now)),
      );
      for (const summary of summaries) {
        expect(summary.plan).toEqual(FREE_PLAN);
        expect(summary.periodEndsAt).toEqual(new Date("2026-12-01T00:00:00Z"));
      }
      expect(await creditSummary(db, shop, new Date("2026-11-30T23:59:59Z"))).toMatchObject({
        available: FREE_PLAN.monthlyCredits,
        held: 0,
      });
      const grants = await db.creditLedgerEntry.findMany({ where: { shop, kind: "grant" } });
      expect(grants).toHaveLength(1);
      expect(grants[0]).toMatchObject({
        amount: FREE_PLAN.monthlyCredits,
        source: "plan:free:2026-11",
        expiresAt: new Date("2026-12-01T00:00:00Z"),
      });
    },
  );

  it.skipIf(skip)(
    "expires the unused included credits at the next period, never purchased ones",
    async () => {
      const shop = newShop();
      const included = FREE_PLAN.monthlyCredits;
      await creditSummary(db, shop, new Date("2026-11-10T00:00:00Z"));
      await pack(db, shop, 5);
      await holdCredits(db, shop, {
        jobId: "j",
        amount: 10,
        idempotencyKey: "h",
        description: "job",
        now: new Date("2026-11-12T00:00:00Z"),
      });
      await captureCredits(db, shop, {
        jobId: "j",
        jobItemId: "a",
        amount: 6,
        idempotencyKey: "c",
      });
      await releaseCredits(db, shop, {
        jobId: "j",
        jobItemId: "b",
        amount: 4,
        idempotencyKey: "r",
        description: "failed",
      });
      expect(await creditBalance(db, shop)).toEqual({ available: included + 5 - 6, held: 0 });

      // 6 of the included credits were spent; the other included ones lapse, the pack stays.
      const december = await creditSummary(db, shop, new Date("2026-12-03T00:00:00Z"));
      expect(december).toMatchObject({ available: 5 + included, held: 0 });
      const expiry = await db.creditLedgerEntry.findFirstOrThrow({
        where: { shop, kind: "expire" },
      });
      expect(expiry).toMatchObject({ amount: -(included - 6), source: "plan:free:2026-11" });
      expect(await creditSummary(db, shop, new Date("2026-12-20T00:00:00Z"))).toMatchObject({
        available: 5 + included,
      });

      // Nothing spent in December, nobody came in January: December's credits lapse whole, once.
      const february = await creditSummary(db, shop, new Date("2027-02-02T00:00:00Z"));
      expect(february).toMatchObject({
        available: 5 + included,
        periodEndsAt: new Date("2027-03-01T00:00:00Z"),
      });
      const entries = await db.creditLedgerEntry.findMany({
        where: { shop },
        orderBy: { createdAt: "asc" },
      });
      expect(entries.filter((e) => e.kind === "expire").map((e) => [e.source, e.amount])).toEqual([
        ["plan:free:2026-11", -(included - 6)],
        ["plan:free:2026-12", -included],
      ]);
      expect(entries.filter((e) => e.kind === "grant").map((e) => e.source)).toEqual([
        "plan:free:2026-11",
        "pack:1",
        "plan:free:2026-12",
        "plan:free:2027-02",
      ]);
      expect(await ledgerSum(db, shop)).toBe(5 + included);
    },
  );

  it.skipIf(skip)("keeps credits held in one month and given back in the next", async () => {
    const shop = newShop();
    const included = FREE_PLAN.monthlyCredits;
    await creditSummary(db, shop, new Date("2026-11-10T00:00:00Z"));
    await holdCredits(db, shop, {
      jobId: "nov",
      amount: 10,
      idempotencyKey: "h",
      description: "job",
      now: new Date("2026-11-30T23:00:00Z"),
    });
    // November's 15 unused included credits lapse; the 10 held count as spent.
    await creditSummary(db, shop, new Date("2026-12-01T00:00:00Z"));
    expect(await creditBalance(db, shop)).toEqual({ available: included, held: 10 });
    await releaseCredits(db, shop, {
      jobId: "nov",
      amount: 10,
      idempotencyKey: "r",
      description: "failed",
    });
    await chargeCredits(db, shop, {
      jobId: "dec",
      jobItemId: "a",
      amount: 5,
      idempotencyKey: "x",
      description: "erase",
      now: new Date("2026-12-15T00:00:00Z"),
    });
    // December spent 5 of its included credits; the other 20 lapse, the 10 given back stay.
    await creditSummary(db, shop, new Date("2027-01-02T00:00:00Z"));
    expect(await creditBalance(db, shop)).toEqual({ available: 10 + included, held: 0 });
  });

  it.skipIf(skip)("expires nothing when purchased credits had to cover the month", async () => {
    const shop = newShop();
    const included = FREE_PLAN.monthlyCredits;
    await creditSummary(db, shop, new Date("2026-11-10T00:00:00Z"));
    await pack(db, shop, 10);
    await chargeCredits(db, shop, {
      jobId: "j",
      jobItemId: "a",
      amount: included + 4,
      idempotencyKey: "x",
      description: "job",
      now: new Date("2026-11-11T00:00:00Z"),
    });
    await creditSummary(db, shop, new Date("2026-12-01T00:00:00Z"));
    expect(await creditBalance(db, shop)).toEqual({ available: 6 + included, held: 0 });
    expect(await db.creditLedgerEntry.findFirst({ where: { shop, kind: "expire" } })).toMatchObject(
      { amount: 0 },
    );
  });

  it.skipIf(skip)(
    "pages through the history newest first, and a foreign cursor finds nothing",
    async () => {
      const shop = newShop();
      for (let i = 0; i < 5; i++) await pack(db, shop, i + 1, String(i));
      const first = await ledgerHistory(db, shop, { take: 2 });
      const second = await ledgerHistory(db, shop, { take: 2, cursor: first.nextCursor });
      const third = await ledgerHistory(db, shop, { take: 2, cursor: second.nextCursor });
      expect([...first.entries, ...second.entries, ...third.entries].map((e) => e.amount)).toEqual([
        5, 4, 3, 2, 1,
      ]);
      expect(third.nextCursor).toBeNull();

      const other = newShop();
      await pack(db, other, 1);
      expect(await ledgerHistory(db, other, { take: 2, cursor: first.nextCursor })).toEqual({
        entries: [],
        nextCursor: null,
      });
    },
  );

  it("names calendar months in UTC", () => {
    expect(creditPeriod(new Date("2026-12-31T23:59:59Z"))).toMatchObject({
      key: "2026-12",
      label: "December 2026",
      end: new Date("2027-01-01T00:00:00Z"),
    });
  });
});
