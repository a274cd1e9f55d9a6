/**
 * A job's credits: held when its items are known, then settled item by item as each one moves.
 * An item that produced a result is charged its share (once, however often it is regenerated
 * through the recipe); an item that failed or was canceled before that gets its share back, so
 * nothing is charged for failed items. A failed item the merchant retries takes its share again.
 *
 * Settlement runs inside `transition()`'s transaction, so an item's state and its credits can
 * never disagree, and the job row it locks first serialises settlements within a job.
 * Jobs without a hold (started before credits, or free recipes) settle nothing.
 */
import type { Prisma, PrismaClient } from "@prisma/client";

import { formatCredits, recipeCreditCost } from "../billing/costs.ts";
import {
  captureCredits,
  grantCredits,
  holdCredits,
  InsufficientCreditsError,
  releaseCredits,
} from "../billing/ledger.server.ts";
import { buyOverageCredits, overageAttempts } from "../billing/overage.server.ts";
import type { AdminClient } from "../shopify/admin-types.ts";

import { parseRecipe, type Recipe } from "./recipe.ts";
import type { ItemState } from "./states.ts";

type Tx = Prisma.TransactionClient;

export const jobHoldKey = (jobId: string) => `job-hold:${jobId}`;

function jobRecipe(recipe: string | Recipe): Recipe {
  return typeof recipe === "string" ? parseRecipe(recipe) : recipe;
}

/**
 * Holds the credits a job needs for `itemCount` images; throws InsufficientCreditsError (with the
 * merchant's message) when the shop has too few. Once per job: a rerun after a crash holds nothing
 * more. Returns null when the recipe is free.
 */
export async function holdJobCredits(
  db: PrismaClient | Tx,
  shop: string,
  job: { id: string; recipe: string | Recipe },
  itemCount: number,
) {
  const { perImage } = recipeCreditCost(jobRecipe(job.recipe));
  const amount = perImage * itemCount;
  if (amount === 0) return null;
  const images = itemCount === 1 ? "1 image" : `${itemCount} images`;
  return holdCredits(db, shop, {
    jobId: job.id,
    amount,
    idempotencyKey: jobHoldKey(job.id),
    description: `${formatCredits(amount)} held for ${images} at ${formatCredits(perImage)} each`,
  });
}

export type JobHoldOutcome =
  | { kind: "held" }
  /** Too few credits and no overage on the plan: the job stops with the merchant's message. */
  | { kind: "insufficient"; message: string }
  /** Shopify refused the overage at the capped amount: the job waits for a higher cap. */
  | { kind: "paused"; message: string };

/** Purchases a job may make before giving up to concurrent jobs taking what it bought. */
const MAX_OVERAGE_ATTEMPTS = 3;

/**
 * Holds a job's credits, buying the shortfall as capped usage when the shop's plan has it.
 */
export async function holdJobCreditsWithOverage(
  deps: { db: PrismaClient; adminFor(shop: string): Promise<AdminClient> },
  shop: string,
  job: { id: string; recipe: string | Recipe },
  itemCount: number,
): Promise<JobHoldOutcome> {
  for (let round = 0; ; round++) {
    try {
      await holdJobCredits(deps.db, shop, job, itemCount);
      return { kind: "held" };
    } catch (error) {
      if (!(error instanceof InsufficientCreditsError)) throw error;
      const attempt = await overageAttempts(deps.db, shop, job.id);
      if (round >= MAX_OVERAGE_ATTEMPTS || attempt >= MAX_OVERAGE_ATTEMPTS) {
        return { kind: "insufficient", message: error.message };
      }
      const outcome = await buyOverageCredits(deps.db, deps.adminFor, shop, {
        jobId: job.id,
        credits: error.needed - error.available,
        attempt,
      });
      if (outcome.kind === "unavailable") return { kind: "insufficient", message: error.message };
      if (outcome.kind === "cap_reached") {
        const cap = outcome.cappedAmount ? `$${Number(outcome.cappedAmount).toFixed(2)} ` : "";
        return {
          kind: "paused",
          message:
            `This job needs ${formatCredits(error.needed)} and you have ${error.available} left: ` +
            `your ${cap}monthly spending limit for extra credits is reached. Raise the limit or ` +
            "buy a credit pack on the Plans page, and the job continues by itself.",
        };
      }
    }
  }
}

const SUCCEEDED: readonly ItemState[] = ["ready_for_review", "approved"];
const GAVE_UP: readonly ItemState[] = ["failed", "canceled"];

/**
 * Settles one item's share for its move to `to`; call inside the transaction that moved it.
 * Keys count the item's earlier releases, so a retried item's second hold and release are new
 * events while a repeated settlement of the same move lands once.
 */
export async function settleItemCredits(
  tx: Tx,
  shop: string,
  item: { id: string; jobId: string },
  to: ItemState,
) {
  if (!SUCCEEDED.includes(to) && !GAVE_UP.includes(to) && to !== "queued") return;
  if (GAVE_UP.includes(to)) await refundFailedRound(tx, shop, item);
  // The item's own entries first: once captured (the usual case by the time an item is
  // approved) nothing else needs reading.
  const entries = await tx.creditLedgerEntry.findMany({
    where: { shop, jobId: item.jobId, jobItemId: item.id },
    select: { kind: true },
  });
  const count = (kind: string) => entries.filter((entry) => entry.kind === kind).length;
  if (count("capture") > 0) return;
  const hold = await tx.creditLedgerEntry.findUnique({
    where: { shop_idempotencyKey: { shop, idempotencyKey: jobHoldKey(item.jobId) } },
    select: { id: true },
  });
  if (!hold) return;
  const [job, row] = await Promise.all([
    tx.job.findFirst({ where: { id: item.jobId, shop }, select: { recipe: true } }),
    tx.jobItem.findFirst({ where: { id: item.id, shop }, select: { productTitle: true } }),
  ]);
  if (!job) return;
  const share = recipeCreditCost(jobRecipe(job.recipe)).perImage;
  if (share === 0) return;
  const releases = count("release");
  // The job's hold covers every item once; each release gives an item's share back and each
  // retry's hold takes it again, so the item holds its share while the two are equal.
  const holding = releases === count("hold");
  const product = row?.productTitle || "an image";

  if (SUCCEEDED.includes(to) && holding) {
    await captureCredits(tx, shop, {
      jobId: item.jobId,
      jobItemId: item.id,
      amount: share,
      idempotencyKey: `capture:${item.id}`,
      description: `${formatCredits(share)} used for ${product}`,
    });
  } else if (GAVE_UP.includes(to) && holding) {
    await releaseCredits(tx, shop, {
      jobId: item.jobId,
      jobItemId: item.id,
      amount: share,
      idempotencyKey: `release:${item.id}:${releases}`,
      description: `${formatCredits(share)} back: ${product} was ${to === "failed" ? "not processed" : "canceled"}`,
    });
  } else if (to === "queued" && !holding) {
    await holdCredits(tx, shop, {
      jobId: item.jobId,
      jobItemId: item.id,
      amount: share,
      idempotencyKey: `retry-hold:${item.id}:${releases}`,
      description: `${formatCredits(share)} held to retry ${product}`,
    });
  }
}

/**
 * Gives back the part of a job's hold that no item stands for: intake found fewer images than it
 * held for, failed, or the job was canceled before its items existed. Call once intake is over
 * (done or failed): items created later would find their share already returned. Once per job.
 */
export async function releaseUnusedJobCredits(db: PrismaClient | Tx, shop: string, jobId: string) {
  const hold = await db.creditLedgerEntry.findUnique({
    where: { shop_idempotencyKey: { shop, idempotencyKey: jobHoldKey(jobId) } },
    select: { amount: true },
  });
  if (!hold) return null;
  const job = await db.job.findFirst({ where: { id: jobId, shop }, select: { recipe: true } });
  if (!job) return null;
  const share = recipeCreditCost(jobRecipe(job.recipe)).perImage;
  const items = await db.jobItem.count({ where: { shop, jobId } });
  const unused = -hold.amount - share * items;
  if (unused <= 0) return null;
  return releaseCredits(db, shop, {
    jobId,
    amount: unused,
    idempotencyKey: `job-release-unused:${jobId}`,
    description: `${formatCredits(unused)} back: held for images the job did not process`,
  });
}

/**
 * A regenerate or erase is charged when the merchant asks for it. If that round then fails (or is
 * canceled) before producing its result, the charge comes back: nothing is paid for a failed item.
 * A result made after the charge means the round delivered, and the charge stands.
 */
async function refundFailedRound(tx: Tx, shop: string, item: { id: string; jobId: string }) {
  const charge = await tx.creditLedgerEntry.findFirst({
    where: { shop, jobItemId: item.id, kind: "charge" },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  if (!charge || charge.amount >= 0) return;
  const delivered = await tx.variant.count({
    where: { shop, jobItemId: item.id, createdAt: { gte: charge.createdAt } },
  });
  if (delivered > 0) return;
  await grantCredits(tx, shop, {
    amount: -charge.amount,
    source: "refund",
    description: `${formatCredits(-charge.amount)} back: the requested change could not be made`,
    idempotencyKey: `refund:${charge.idempotencyKey}`,
  });
}
