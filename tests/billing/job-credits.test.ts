import type { PrismaClient } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { recipeCreditCost } from "~/billing/costs";
import {
  creditBalance,
  creditSummary,
  chargeCredits,
  grantCredits,
  holdCredits,
  InsufficientCreditsError,
} from "~/billing/ledger.server";
import { createPrismaClient } from "~/db/client.server";
import { holdJobCredits, releaseUnusedJobCredits } from "~/jobs/credits.server";
import { recipeSchema, type RecipeInput } from "~/jobs/recipe";
import { transition, type ItemState } from "~/jobs/states";

import { migratedDatabase, providers } from "../support/databases";

let shopCounter = 0;
const newShop = () => `job-credits-${Date.now()}-${shopCounter++}.myshopify.com`;

async function jobWithItems(db: PrismaClient, shop: string, count: number, recipe: RecipeInput) {
  const job = await db.job.create({
    data: {
      shop,
      recipe: JSON.stringify(recipeSchema.parse(recipe)),
      itemCount: count,
      items: {
        createMany: {
          data: Array.from({ length: count }, (_, i) => ({
            shop,
            productId: `gid://shopify/Product/${i + 1}`,
            productTitle: `Mug ${i + 1}`,
            mediaId: `gid://shopify/MediaImage/${i + 1}`,
          })),
        },
      },
    },
    include: { items: { orderBy: { mediaId: "asc" } } },
  });
  return job;
}

/** Moves an item along a path of states through the engine's own `transition()`. */
async function walk(
  db: PrismaClient,
  shop: string,
  item: { id: string; jobId: string },
  path: ItemState[],
) {
  for (const to of path) {
    const current = await db.jobItem.findFirstOrThrow({ where: { id: item.id, shop } });
    await transition(db, shop, current, to);
  }
}

async function ledgerSum(db: PrismaClient, shop: string) {
  const sum = await db.creditLedgerEntry.aggregate({ where: { shop }, _sum: { amount: true } });
  return sum._sum.amount ?? 0;
}

describe.each(providers)("a job's credits on $name", ({ name, skip }) => {
  let db: PrismaClient;
  beforeAll(() => {
    if (!skip) db = createPrismaClient(migratedDatabase(name));
  });
  afterAll(async () => {
    await db?.$disconnect();
  });

  it.skipIf(skip)(
    "charges items that produced a result and gives back failed and canceled ones",
    async () => {
      const shop = newShop();
      const recipe = { preset: "amazon", upscale: 2 } as const;
      const share = recipeCreditCost(recipeSchema.parse(recipe)).perImage;
      expect(share).toBe(2);
      const { available: start } = await creditSummary(db, shop);
      const job = await jobWithItems(db, shop, 4, recipe);
      const [done, failed, canceled, regenerated] = job.items;

      await holdJobCredits(db, shop, job, 4);
      await holdJobCredits(db, shop, job, 4);
      expect(await creditBalance(db, shop)).toEqual({
        available: start - 4 * share,
        held: 4 * share,
      });

      await walk(db, shop, done!, ["processing", "ready_for_review", "approved"]);
      expect(await creditBalance(db, shop)).toEqual({
        available: start - 4 * share,
        held: 3 * share,
      });

      await walk(db, shop, failed!, ["processing", "failed"]);
      await walk(db, shop, canceled!, ["canceled"]);
      expect(await creditBalance(db, shop)).toEqual({ available: start - 2 * share, held: share });

      // Rejected and generated again: still one share; rejected for good after that: no refund.
      await walk(db, shop, regenerated!, [
        "processing",
        "ready_for_review",
        "processing",
        "ready_for_review",
        "canceled",
      ]);
      expect(await creditBalance(db, shop)).toEqual({ available: start - 2 * share, held: 0 });

      const entries = await db.creditLedgerEntry.findMany({ where: { shop, jobId: job.id } });
      const byItem = (id: string) => entries.filter((e) => e.jobItemId === id).map((e) => e.kind);
      expect(byItem(done!.id)).toEqual(["capture"]);
      expect(byItem(failed!.id)).toEqual(["release"]);
      expect(byItem(canceled!.id)).toEqual(["release"]);
      expect(byItem(regenerated!.id)).toEqual(["capture"]);
      expect(entries.find((e) => e.jobItemId === failed!.id)!.description).toBe(
        "2 credits back: Mug 2 was not processed",
      );
      expect(await ledgerSum(db, shop)).toBe(start - 2 * share);
    },
  );

  it.skipIf(skip)(
    "takes a retried item's share again, and refuses the retry without credits",
    async () => {
      const shop = newShop();
      await creditSummary(db, shop);
      const { available } = await creditBalance(db, shop);
      const job = await jobWithItems(db, shop, 2, { preset: "amazon" });
      const [retried, stuck] = job.items;
      await holdJobCredits(db, shop, job, 2);

      await walk(db, shop, retried!, ["processing", "failed", "queued"]);
      expect(await creditBalance(db, shop)).toEqual({ available: available - 2, held: 2 });
      await walk(db, shop, retried!, [
        "processing",
        "failed",
        "queued",
        "processing",
        "ready_for_review",
      ]);
      expect(await creditBalance(db, shop)).toEqual({ available: available - 2, held: 1 });
      expect(
        (
          await db.creditLedgerEntry.findMany({
            where: { shop, jobItemId: retried!.id },
            orderBy: { createdAt: "asc" },
          })
        ).map((e) => e.kind),
      ).toEqual(["release", "hold", "release", "hold", "capture"]);

      await walk(db, shop, stuck!, ["processing", "failed"]);
      await holdCredits(db, shop, {
        jobId: "other",
        amount: available - 1,
        idempotencyKey: "drain",
        description: "other job",
      });
      const current = await db.jobItem.findFirstOrThrow({ where: { id: stuck!.id, shop } });
      await expect(transition(db, shop, current, "queued")).rejects.toThrow(
        InsufficientCreditsError,
      );
      expect((await db.jobItem.findFirstOrThrow({ where: { id: stuck!.id, shop } })).status).toBe(
        "failed",
      );
      expect(
        await db.jobTransition.count({ where: { shop, entityId: stuck!.id, toStatus: "queued" } }),
      ).toBe(0);

      await grantCredits(db, shop, {
        amount: 1,
        source: "pack:x",
        description: "bought",
        idempotencyKey: "pack:x",
      });
      await walk(db, shop, stuck!, ["queued", "processing", "ready_for_review"]);
      expect(await creditBalance(db, shop)).toEqual({ available: 0, held: available - 1 });
    },
  );

  it.skipIf(skip)(
    "keeps the account exact while many items of one job settle at once",
    async () => {
      const shop = newShop();
      const { available } = await creditSummary(db, shop);
      const job = await jobWithItems(db, shop, 12, { preset: "shopify" });
      await holdJobCredits(db, shop, job, 12);
      await Promise.all(job.items.map((item) => walk(db, shop, item, ["processing"])));
      await Promise.all(
        job.items.map((item, i) =>
          walk(db, shop, item, [i % 2 === 0 ? "ready_for_review" : "failed"]),
        ),
      );
      expect(await creditBalance(db, shop)).toEqual({ available: available - 6, held: 0 });
      expect(await ledgerSum(db, shop)).toBe(available - 6);
      expect(await db.job.findFirstOrThrow({ where: { id: job.id, shop } })).toMatchObject({
        doneCount: 6,
        failedCount: 6,
      });
    },
  );

  it.skipIf(skip)("gives back what was held for images the job never got", async () => {
    const shop = newShop();
    const { available } = await creditSummary(db, shop);
    const job = await jobWithItems(db, shop, 2, { preset: "amazon", upscale: 2 });
    await holdJobCredits(db, shop, job, 5);
    expect(await creditBalance(db, shop)).toEqual({ available: available - 10, held: 10 });
    await releaseUnusedJobCredits(db, shop, job.id);
    await releaseUnusedJobCredits(db, shop, job.id);
    expect(await creditBalance(db, shop)).toEqual({ available: available - 4, held: 4 });
    await walk(db, shop, job.items[0]!, ["processing", "ready_for_review"]);
    await walk(db, shop, job.items[1]!, ["canceled"]);
    expect(await creditBalance(db, shop)).toEqual({ available: available - 2, held: 0 });

    const empty = await jobWithItems(db, shop, 0, { preset: "amazon" });
    await holdJobCredits(db, shop, empty, 3);
    await releaseUnusedJobCredits(db, shop, empty.id);
    expect(await creditBalance(db, shop)).toEqual({ available: available - 2, held: 0 });
  });

  it.skipIf(skip)("settles nothing for a job without a hold", async () => {
    const shop = newShop();
    await grantCredits(db, shop, {
      amount: 10,
      source: "pack:1",
      description: "bought",
      idempotencyKey: "pack:1",
    });
    const job = await jobWithItems(db, shop, 2, { preset: "amazon" });
    await walk(db, shop, job.items[0]!, ["processing", "ready_for_review", "approved"]);
    await walk(db, shop, job.items[1]!, ["processing", "failed", "queued", "canceled"]);
    expect(await creditBalance(db, shop)).toEqual({ available: 10, held: 0 });
    expect(await db.creditLedgerEntry.count({ where: { shop, jobId: job.id } })).toBe(0);

    const free = await jobWithItems(db, shop, 1, { preset: "ebay" });
    expect(await holdJobCredits(db, shop, free, 1)).toBeNull();
  });

  it.skipIf(skip)(
    "holds a job's credits once and refuses a job the shop cannot pay for",
    async () => {
      const shop = newShop();
      const { available } = await creditSummary(db, shop);
      const job = await jobWithItems(db, shop, 1, { preset: "amazon", upscale: 4 });
      const error = await holdJobCredits(db, shop, job, available).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InsufficientCreditsError);
      expect((error as Error).message).toContain(
        `This job needs ${2 * available} credits and you have ${available} left.`,
      );
      expect(await creditBalance(db, shop)).toEqual({ available, held: 0 });
    },
  );

  it.skipIf(skip)(
    "gives back a paid regenerate whose round failed, and keeps one that delivered",
    async () => {
      const shop = newShop();
      const recipe = { preset: "amazon" } as const;
      const job = await jobWithItems(db, shop, 2, recipe);
      await holdJobCredits(db, shop, job, 2);
      const [lost, delivered] = job.items;
      for (const item of [lost!, delivered!]) {
        await walk(db, shop, item, ["processing", "ready_for_review"]);
        await chargeCredits(db, shop, {
          jobId: job.id,
          jobItemId: item.id,
          amount: 1,
          idempotencyKey: `regenerate:${item.id}:1`,
          description: "Regenerated a result",
        });
        await walk(db, shop, item, ["processing"]);
      }
      const before = await creditBalance(db, shop);

      await db.variant.create({
        data: {
          shop,
          jobItemId: delivered!.id,
          storageKey: "k",
          width: 1,
          height: 1,
          format: "png",
          origin: "regenerate",
        },
      });
      await walk(db, shop, delivered!, ["ready_for_review", "canceled"]);
      await walk(db, shop, lost!, ["failed", "queued", "processing", "failed"]);

      // Only the round that produced nothing comes back, once, however often the item fails.
      expect(await creditBalance(db, shop)).toEqual({ available: before.available + 1, held: 0 });
      const refunds = await db.creditLedgerEntry.findMany({ where: { shop, source: "refund" } });
      expect(refunds.map((entry) => [entry.amount, entry.idempotencyKey])).toEqual([
        [1, `refund:regenerate:${lost!.id}:1`],
      ]);
      expect(await ledgerSum(db, shop)).toBe(before.available + 1);
    },
  );
});
