/**
 * What the merchant does with a job: approve or reject results, cancel what has not run yet, and
 * put originals back. Each acts on items by id within the shop; an id from another shop is
 * ignored exactly like an unknown one. Work that follows (writing, restoring) is queued, never
 * done in the request.
 */
import type { JobItem, PrismaClient } from "@prisma/client";
import sharp from "sharp";

import { chargeCredits } from "../billing/ledger.server.ts";
import { ERASE_CREDIT_COST, regenerateCreditCost } from "../billing/costs.ts";
import { providerForShop } from "../settings/shop-settings.server.ts";
import { itemPrefix } from "../storage/keys.ts";

import type { JobDeps, WriteBackTask } from "./deps.server.ts";
import { recordAudit } from "../audit/audit.server.ts";

import { releaseUnusedJobCredits } from "./credits.server.ts";
import { QUEUES } from "./deps.server.ts";
import { queueWrite, type GenerateTask } from "./generate.server.ts";
import { generateKey } from "./intake.server.ts";
import { parseRecipe } from "./recipe.ts";
import { ConcurrentTransitionError, transition, type ItemState } from "./states.ts";

type Deps = Pick<JobDeps, "db" | "queue">;

export type ReviewErrorCode = "not_found" | "wrong_state" | "invalid_request" | "invalid_mask";

/**
 * A review action refused, in words for the merchant. `status` is what a route answers with: a
 * foreign id is a 404 exactly like a missing one, a move the item is not ready for a 409, a bad
 * prompt or mask a 422.
 */
export class ReviewActionError extends Error {
  override name = "ReviewActionError";
  readonly code: ReviewErrorCode;
  readonly status: 404 | 409 | 422;
  constructor(code: ReviewErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = code === "not_found" ? 404 : code === "wrong_state" ? 409 : 422;
  }
}

export interface ItemsOutcome {
  /** Items the action applied to. */
  done: string[];
  /** Items it did not apply to, with why (already written, canceled, unknown...). */
  refused: Array<{ itemId: string; reason: string }>;
}

async function eachItem(
  deps: Deps,
  shop: string,
  itemIds: string[],
  from: ItemState[],
  act: (item: { id: string; jobId: string; status: string }) => Promise<void>,
): Promise<ItemsOutcome> {
  const items = await deps.db.jobItem.findMany({ where: { shop, id: { in: itemIds } } });
  const found = new Map(items.map((item) => [item.id, item]));
  const outcome: ItemsOutcome = { done: [], refused: [] };
  for (const itemId of itemIds) {
    const item = found.get(itemId);
    if (!item) {
      outcome.refused.push({ itemId, reason: "not found" });
    } else if (!from.includes(item.status as ItemState)) {
      outcome.refused.push({ itemId, reason: `it is ${item.status.replaceAll("_", " ")}` });
    } else {
      try {
        await act(item);
        outcome.done.push(itemId);
      } catch (error) {
        if (!(error instanceof ConcurrentTransitionError)) throw error;
        outcome.refused.push({ itemId, reason: `it is now ${error.actual.replaceAll("_", " ")}` });
      }
    }
  }
  return outcome;
}

export async function approveItems(deps: Deps, shop: string, itemIds: string[]) {
  const outcome = await eachItem(deps, shop, itemIds, ["ready_for_review"], async (item) => {
    const variant = await deps.db.variant.findFirst({
      where: { shop, jobItemId: item.id },
      orderBy: { createdAt: "desc" },
    });
    if (!variant) throw new Error(`Item ${item.id} is ready for review without a result`);
    await deps.db.variant.updateMany({
      where: { id: variant.id, shop },
      data: { review: "approved", reviewedAt: new Date() },
    });
    await transition(deps.db, shop, item, "approved", "approved by the merchant");
    await queueWrite(deps, shop, item.id, variant.id);
  });
  if (outcome.done.length > 0) {
    await recordAudit(deps.db, shop, {
      action: "images.approved",
      actor: "merchant",
      details: { images: outcome.done.length },
    });
  }
  return outcome;
}

export async function rejectItems(deps: Deps, shop: string, itemIds: string[]) {
  return eachItem(deps, shop, itemIds, ["ready_for_review"], async (item) => {
    await deps.db.variant.updateMany({
      where: { shop, jobItemId: item.id, review: "pending" },
      data: { review: "rejected", reviewedAt: new Date() },
    });
    await transition(deps.db, shop, item, "canceled", "rejected by the merchant");
  });
}

/** Approves every result of the job still waiting for review; null for an unknown job. */
export async function approveAll(deps: Deps, shop: string, jobId: string) {
  const job = await deps.db.job.findFirst({ where: { id: jobId, shop }, select: { id: true } });
  if (!job) return null;
  const waiting = await deps.db.jobItem.findMany({
    where: { shop, jobId, status: "ready_for_review" },
    select: { id: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return approveItems(
    deps,
    shop,
    waiting.map((item) => item.id),
  );
}

/**
 * Failed items get another go. One that failed while being written keeps the result the merchant
 * approved and is written again; any other runs its recipe again as a new round. Attempts start
 * from zero: the queue's retry budget is per round, and the merchant asked for a fresh one.
 */
export async function retryItems(deps: Deps, shop: string, itemIds: string[]) {
  return eachItem(deps, shop, itemIds, ["failed"], async (item) => {
    const round = await nextRound(deps.db, shop, item.id);
    const latest = await deps.db.variant.findFirst({
      where: { shop, jobItemId: item.id },
      orderBy: { createdAt: "desc" },
      select: { review: true },
    });
    await transition(deps.db, shop, item, "queued", "retried by the merchant");
    await deps.db.jobItem.updateMany({
      where: { id: item.id, shop, status: "queued" },
      data: { attempts: 0, errorCode: null, lastError: null },
    });
    await deps.queue.enqueue<GenerateTask>(
      QUEUES.generate,
      { shop, itemId: item.id, round, ...(latest?.review === "approved" ? { rewrite: true } : {}) },
      { key: generateKey(item.id, round) },
    );
  });
}

/**
 * Makes an item's result again with the recipe (and, for a scene, the merchant's edited prompt),
 * as a queued round like the first. The credits are charged under the round's key, so a double
 * click charges once and the second click is refused: the item is no longer waiting for review.
 */
export async function regenerateItem(
  deps: Deps,
  shop: string,
  itemId: string,
  options: { prompt?: string } = {},
) {
  // The round is read before the item: a concurrent click that already moved the item is then
  // seen as moved, never as a new round charged twice.
  const round = await nextRound(deps.db, shop, itemId);
  const item = await reviewable(deps.db, shop, itemId, "made again");
  const job = await deps.db.job.findFirstOrThrow({ where: { id: item.jobId, shop } });
  const recipe = parseRecipe(job.recipe);
  const prompt = options.prompt?.trim() || undefined;
  if (prompt !== undefined) {
    if (recipe.background.kind !== "scene") {
      throw new ReviewActionError(
        "invalid_request",
        "A prompt describes a scene, and this job puts products on a plain background. Regenerate without a prompt.",
      );
    }
    if (prompt.length > 500) {
      throw new ReviewActionError(
        "invalid_request",
        "Keep the scene description under 500 characters.",
      );
    }
  }
  const cost = regenerateCreditCost(recipe);
  if (cost > 0) {
    await chargeCredits(deps.db, shop, {
      jobId: item.jobId,
      jobItemId: item.id,
      amount: cost,
      idempotencyKey: `regenerate:${item.id}:${round}`,
      description: "Regenerated a result",
    });
  }
  await startRound(deps, item, round, "regenerated by the merchant", {
    origin: "regenerate",
    ...(prompt ? { prompt } : {}),
  });
  return { itemId: item.id, round };
}

/** Masks are drawn on a canvas in the browser; anything larger is not a mask. */
export const MASK_LIMITS = { maxBytes: 10_000_000, maxSide: 8192, minSide: 16 } as const;

/**
 * The magic eraser: the merchant's mask (a PNG, white where something goes) is checked, scaled to
 * the current result and kept under the item's storage prefix, and the result is erased as a
 * queued round. Charged like a regenerate: once per round, whatever the clicks.
 */
export async function eraseInItem(
  deps: Deps & Pick<JobDeps, "storage" | "provider">,
  shop: string,
  itemId: string,
  { mask }: { mask: Buffer },
) {
  const round = await nextRound(deps.db, shop, itemId);
  const item = await reviewable(deps.db, shop, itemId, "edited");
  const current = await deps.db.variant.findFirst({
    where: { shop, jobItemId: item.id },
    orderBy: { createdAt: "desc" },
  });
  if (!current) {
    throw new ReviewActionError("not_found", "This photo has no result to erase from yet.");
  }
  if (!(await providerForShop(deps, shop)).supports("erase")) {
    throw new ReviewActionError(
      "invalid_request",
      "The magic eraser is not available for your store. Regenerate the photo instead.",
    );
  }
  const fitted = await fitMask(mask, current.width, current.height);
  const maskKey = `${itemPrefix(shop, item.jobId, item.id)}masks/erase-${round}.png`;
  await deps.storage.put(maskKey, fitted, { contentType: "image/png" });
  await chargeCredits(deps.db, shop, {
    jobId: item.jobId,
    jobItemId: item.id,
    amount: ERASE_CREDIT_COST,
    idempotencyKey: `erase:${item.id}:${round}`,
    description: "Erased part of a result",
  });
  await startRound(deps, item, round, "erase asked by the merchant", {
    origin: "erase",
    maskKey,
    baseVariantId: current.id,
  });
  return { itemId: item.id, round, maskKey };
}

function invalidMask(message: string) {
  return new ReviewActionError("invalid_mask", message);
}

/** The mask as a grayscale PNG the size of the result, or a plain refusal. */
async function fitMask(mask: Buffer, width: number, height: number): Promise<Buffer> {
  if (mask.length === 0) throw invalidMask("Draw over what you want to remove first.");
  if (mask.length > MASK_LIMITS.maxBytes) {
    throw invalidMask("The mask is too large. Draw it again on the photo.");
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(mask, { limitInputPixels: MASK_LIMITS.maxSide ** 2 }).metadata();
  } catch {
    throw invalidMask("The mask could not be read. Draw it again on the photo.");
  }
  if (meta.format !== "png") throw invalidMask("The mask must be a PNG image.");
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (Math.min(w, h) < MASK_LIMITS.minSide || Math.max(w, h) > MASK_LIMITS.maxSide) {
    throw invalidMask(
      `The mask must be between ${MASK_LIMITS.minSide} and ${MASK_LIMITS.maxSide} pixels on each side.`,
    );
  }
  // Browsers draw at screen size, so only the shape has to match: 2% covers rounding to pixels.
  if (Math.abs(w / h - width / height) > 0.02 * (width / height)) {
    throw invalidMask("The mask does not have the photo's shape. Draw it again on this photo.");
  }
  let fitted: { data: Buffer; max: number };
  try {
    const image = sharp(mask, { limitInputPixels: MASK_LIMITS.maxSide ** 2 })
      .flatten({ background: "#000000" })
      .grayscale()
      .resize(width, height, { fit: "fill" });
    const data = await image.png().toBuffer();
    const stats = await sharp(data).stats();
    fitted = { data, max: stats.channels[0]?.max ?? 0 };
  } catch {
    throw invalidMask("The mask could not be read. Draw it again on the photo.");
  }
  if (fitted.max < 128) throw invalidMask("Draw over what you want to remove first.");
  return fitted.data;
}

/** The generation round an item's next task gets: one more than the rounds it has started. */
async function nextRound(db: PrismaClient, shop: string, itemId: string) {
  return db.jobTransition.count({
    where: { shop, entityType: "JobItem", entityId: itemId, toStatus: "processing" },
  });
}

async function reviewable(db: PrismaClient, shop: string, itemId: string, what: string) {
  const item = await db.jobItem.findFirst({ where: { id: itemId, shop } });
  if (!item) throw new ReviewActionError("not_found", "This photo is not part of your jobs.");
  if (item.status !== "ready_for_review") throw notReviewable(item.status, what);
  return item;
}

function notReviewable(status: string, what: string) {
  return new ReviewActionError(
    "wrong_state",
    `This photo is ${status.replaceAll("_", " ")}; only a result waiting for review can be ${what}.`,
  );
}

/** The pending result is set aside and the item goes back to processing for the round's task. */
async function startRound(
  deps: Deps,
  item: JobItem,
  round: number,
  reason: string,
  request: Pick<GenerateTask, "origin" | "prompt" | "maskKey" | "baseVariantId">,
) {
  try {
    await transition(deps.db, item.shop, item, "processing", reason);
  } catch (error) {
    if (error instanceof ConcurrentTransitionError) throw notReviewable(error.actual, "changed");
    throw error;
  }
  await deps.db.variant.updateMany({
    where: { shop: item.shop, jobItemId: item.id, review: "pending" },
    data: { review: "rejected", reviewedAt: new Date() },
  });
  await deps.queue.enqueue<GenerateTask>(
    QUEUES.generate,
    { shop: item.shop, itemId: item.id, round, ...request },
    { key: generateKey(item.id, round) },
  );
}

/** Everything of the job not yet being written stops; items already written stay (undo is
 * restore). Items mid-generation finish their step and then stop. */
export async function cancelJob(deps: Deps, shop: string, jobId: string) {
  const job = await deps.db.job.findFirst({ where: { id: jobId, shop } });
  if (!job) return null;
  await deps.db.job.updateMany({
    where: { id: jobId, shop, canceledAt: null },
    data: { canceledAt: new Date() },
  });
  const open = await deps.db.jobItem.findMany({
    where: {
      shop,
      jobId,
      status: { in: ["queued", "processing", "ready_for_review", "approved", "failed"] },
    },
    select: { id: true },
  });
  return eachItem(
    deps,
    shop,
    open.map((item) => item.id),
    ["queued", "processing", "ready_for_review", "approved", "failed"],
    async (item) => {
      await transition(deps.db, shop, item, "canceled", "canceled by the merchant");
    },
  ).finally(() =>
    // Items released their own shares; what the hold took for images no item stands for goes back.
    releaseUnusedJobCredits(deps.db, shop, jobId),
  );
}

/** Queues the undo of every written item given (or of the whole job). */
export async function restoreItems(deps: Deps, shop: string, itemIds: string[]) {
  return eachItem(deps, shop, itemIds, ["written"], async (item) => {
    const written = await deps.db.writeBack.findMany({
      where: { shop, jobItemId: item.id, state: "written" },
    });
    for (const row of written) {
      await deps.queue.enqueue<WriteBackTask>(
        QUEUES.restore,
        { shop, writeBackId: row.id },
        { key: `restore:${row.id}` },
      );
    }
  });
}

export async function restoreJob(deps: Deps, shop: string, jobId: string) {
  const written = await deps.db.jobItem.findMany({
    where: { shop, jobId, status: "written" },
    select: { id: true },
  });
  return restoreItems(
    deps,
    shop,
    written.map((item) => item.id),
  );
}

/** Puts back the originals of every image written to one product, whatever job wrote them. */
export async function restoreProduct(deps: Deps, shop: string, productId: string) {
  const written = await deps.db.jobItem.findMany({
    where: { shop, productId, status: "written" },
    select: { id: true },
  });
  return restoreItems(
    deps,
    shop,
    written.map((item) => item.id),
  );
}
