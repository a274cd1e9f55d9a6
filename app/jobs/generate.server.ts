/**
 * The generation step: one item's source image through the job's recipe into a variant waiting
 * for review (or approved at once with auto-approve). Each effect is recorded before the next
 * one starts, so a rerun after a crash resumes: the original is downloaded once, AI calls carry
 * stable idempotency keys, and the variant is written under a key of its own.
 */
import type { JobItem } from "@prisma/client";

import { processImage } from "../images/pipeline.ts";
import { openImage } from "../images/intake.ts";
import { downloadImage } from "../shopify/image-download.server.ts";
import { originalKey, variantKey } from "../storage/keys.ts";

import type { ItemTask, JobDeps } from "./deps.server.ts";
import { QUEUES } from "./deps.server.ts";
import { classifyFailure, RetryableStepError } from "./failures.ts";
import { withIdempotencyKeys } from "./idempotent-provider.ts";
import { parseRecipe } from "./recipe.ts";
import { ConcurrentTransitionError, transition } from "./states.ts";

const EXTENSIONS: Record<string, string> = {
  jpeg: "jpg",
  png: "png",
  webp: "webp",
  avif: "avif",
  gif: "gif",
  tiff: "tif",
};

export function extensionFor(format: string) {
  return EXTENSIONS[format] ?? format;
}

export async function runGeneration(deps: JobDeps, { shop, itemId }: ItemTask) {
  let item = await deps.db.jobItem.findFirst({ where: { id: itemId, shop } });
  if (!item) return;
  if (item.status === "queued") {
    await transition(deps.db, shop, item, "processing");
    item = { ...item, status: "processing" };
  }
  const job = await deps.db.job.findFirstOrThrow({ where: { id: item.jobId, shop } });
  if (job.autoApprove && (item.status === "ready_for_review" || item.status === "approved")) {
    // A run that died between generating and handing over to the write: finish the hand-over.
    await approveForJob(deps, item);
    return;
  }
  // Anything else (canceled, already generated, reviewed) means this task has nothing left to do.
  if (item.status !== "processing") return;

  try {
    const original = await keepOriginal(deps, item);
    const recipe = parseRecipe(job.recipe);
    const provider = withIdempotencyKeys(deps.provider, `${shop}|${item.id}`);
    let source = original;
    if (recipe.upscale) {
      const facts = (await openImage(original)).facts;
      const upscaled = await provider.upscale(
        { bytes: original, mimeType: facts.mimeType },
        recipe.upscale,
      );
      source = upscaled.image;
    }
    const result = await processImage(source, recipe.preset, { provider });
    let altText: string | null = null;
    if (recipe.altText && provider.supports("alt-text")) {
      altText = await provider.altText({
        image: { bytes: result.bytes, mimeType: result.mimeType },
      });
    }
    const storageKey = variantKey(shop, item.jobId, item.id, "result", extensionFor(result.format));
    await deps.storage.put(storageKey, result.bytes, { contentType: result.mimeType });
    await finishGeneration(deps, item, job.autoApprove, {
      storageKey,
      width: result.width,
      height: result.height,
      format: result.format,
      bytes: result.bytes.length,
      altText,
      notes: JSON.stringify(result.notes),
    });
  } catch (error) {
    await handleStepError(deps, item, error);
  }
}

/** The source bytes, downloaded once and kept: restore needs them for the whole retention. */
async function keepOriginal(deps: JobDeps, item: JobItem): Promise<Buffer> {
  if (item.originalKey && (await deps.storage.exists(item.originalKey))) {
    return deps.storage.get(item.originalKey);
  }
  const bytes = await downloadImage(item.sourceUrl);
  // Refuses corrupt and hostile files before anything is stored or sent anywhere.
  const { facts } = await openImage(bytes);
  const key = originalKey(item.shop, item.jobId, item.id, extensionFor(facts.format));
  await deps.storage.put(key, bytes, { contentType: facts.mimeType });
  await deps.db.jobItem.updateMany({
    where: { id: item.id, shop: item.shop },
    data: { originalKey: key },
  });
  return bytes;
}

interface NewVariant {
  storageKey: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  altText: string | null;
  notes: string;
}

async function finishGeneration(
  deps: JobDeps,
  item: JobItem,
  autoApprove: boolean,
  variant: NewVariant,
) {
  const { shop } = item;
  // The variant row is the step's record: one per item and round, whatever the reruns.
  const existing = await deps.db.variant.findFirst({
    where: { shop, jobItemId: item.id, storageKey: variant.storageKey },
  });
  if (!existing) {
    await deps.db.variant.create({ data: { shop, jobItemId: item.id, ...variant } });
  }
  try {
    await transition(deps.db, shop, item, "ready_for_review");
  } catch (error) {
    // Canceled while we worked: the result is kept but goes no further.
    if (error instanceof ConcurrentTransitionError) return;
    throw error;
  }
  if (autoApprove) await approveForJob(deps, { ...item, status: "ready_for_review" });
}

/** The job trusts its recipe: the latest result is approved and queued for writing. */
async function approveForJob(deps: JobDeps, item: JobItem) {
  const { shop } = item;
  const variant = await deps.db.variant.findFirst({
    where: { shop, jobItemId: item.id },
    orderBy: { createdAt: "desc" },
  });
  if (!variant) throw new Error(`Item ${item.id} was generated without a result`);
  if (variant.review !== "approved") {
    await deps.db.variant.updateMany({
      where: { id: variant.id, shop },
      data: { review: "approved", reviewedAt: new Date() },
    });
  }
  if (item.status === "ready_for_review") {
    try {
      await transition(deps.db, shop, item, "approved", "auto-approved by the job's settings");
    } catch (error) {
      if (error instanceof ConcurrentTransitionError) return;
      throw error;
    }
  }
  await queueWrite(deps, shop, item.id, variant.id);
}

export async function queueWrite(
  deps: Pick<JobDeps, "queue">,
  shop: string,
  itemId: string,
  variantId: string,
) {
  await deps.queue.enqueue(QUEUES.write, { shop, itemId }, { key: `write:${itemId}:${variantId}` });
}

/**
 * A failure the same input will meet again ends the item now, with its reason; anything else goes
 * back to the queue, which retries with backoff and calls markItemFailed when attempts run out.
 */
export async function handleStepError(deps: JobDeps, item: JobItem, error: unknown) {
  const failure = classifyFailure(error);
  if (failure.retryable) throw new RetryableStepError(failure, { cause: error });
  await markItemFailed(deps, item.shop, item.id, failure.message, failure.code);
}

export async function markItemFailed(
  deps: Pick<JobDeps, "db">,
  shop: string,
  itemId: string,
  message: string,
  code: string,
) {
  const item = await deps.db.jobItem.findFirst({ where: { id: itemId, shop } });
  if (!item || (item.status !== "processing" && item.status !== "writing")) return;
  try {
    await transition(deps.db, shop, item, "failed", message, { errorCode: code });
  } catch (error) {
    if (!(error instanceof ConcurrentTransitionError)) throw error;
  }
}
