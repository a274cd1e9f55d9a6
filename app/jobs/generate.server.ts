/**
 * The generation step: one item's source image through the job's recipe into a variant waiting
 * for review (or approved at once with auto-approve). Each effect is recorded before the next
 * one starts, so a rerun after a crash resumes: the original is downloaded once, AI calls carry
 * stable idempotency keys, and the variant is written under a key of its own.
 */
import type { JobItem, Variant } from "@prisma/client";

import { AiProviderError, type AiProvider } from "../ai/provider.ts";
import { parseBackground, TRANSPARENT, WHITE } from "../images/edits/background.ts";
import { openImage } from "../images/intake.ts";
import type { ImageNote } from "../images/notes.ts";
import { composeCutout, processImage } from "../images/pipeline.ts";
import { PRESETS, type PresetId } from "../images/presets.ts";
import { providerForShop } from "../settings/shop-settings.server.ts";
import { downloadImage } from "../shopify/image-download.server.ts";
import { originalKey, variantKey } from "../storage/keys.ts";
import { prepareThumbnail } from "../storage/thumbnails.server.ts";

import type { ItemTask, JobDeps } from "./deps.server.ts";
import { QUEUES } from "./deps.server.ts";
import { classifyFailure, RetryableStepError } from "./failures.ts";
import { withIdempotencyKeys } from "./idempotent-provider.ts";
import { parseRecipe, type Recipe, type RecipeBackground } from "./recipe.ts";
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

/**
 * A generation round of an item. Round 0 is the job's recipe, queued by intake; later rounds are
 * the merchant's (a retry, a regenerate with an edited prompt, an erase on a drawn mask), each with
 * its own queue key, storage key and AI idempotency keys, so one round never answers for another.
 */
export interface GenerateTask extends ItemTask {
  round?: number;
  origin?: VariantOrigin;
  /** regenerate: the merchant's edited scene prompt. */
  prompt?: string;
  /** erase: the mask (stored at the request) and the result it applies to. */
  maskKey?: string;
  baseVariantId?: string;
  /** A retried write: the result the merchant approved is written again, not made anew. */
  rewrite?: boolean;
}

export type VariantOrigin = "recipe" | "regenerate" | "erase";

export async function runGeneration(deps: JobDeps, task: GenerateTask) {
  const { shop, itemId } = task;
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

  if (task.rewrite && (await approveAgain(deps, item))) return;
  const round = task.round ?? 0;
  const origin = task.origin ?? "recipe";
  try {
    const recipe = parseRecipe(job.recipe);
    const provider = withIdempotencyKeys(
      await providerForShop(deps, shop),
      round === 0 ? `${shop}|${item.id}` : `${shop}|${item.id}|${round}`,
    );
    const result =
      origin === "erase"
        ? await eraseRound(deps, item, recipe, provider, task)
        : await recipeRound(deps, item, recipe, provider, task.prompt);
    const storageKey = variantKey(
      shop,
      item.jobId,
      item.id,
      round === 0 ? "result" : `result-${round}`,
      extensionFor(result.format),
    );
    await deps.storage.put(storageKey, result.bytes, { contentType: result.mimeType });
    await prepareThumbnail(deps.storage, storageKey, result.bytes);
    await finishGeneration(deps, item, job.autoApprove, {
      storageKey,
      width: result.width,
      height: result.height,
      format: result.format,
      bytes: result.bytes.length,
      altText: result.altText,
      notes: JSON.stringify(result.notes),
      origin,
      prompt: origin === "regenerate" ? (task.prompt ?? null) : null,
      maskKey: origin === "erase" ? (task.maskKey ?? null) : null,
    });
  } catch (error) {
    await handleStepError(deps, item, error);
  }
}

interface RoundResult {
  bytes: Buffer;
  mimeType: string;
  format: string;
  width: number;
  height: number;
  altText: string | null;
  notes: ImageNote[];
}

/** The recipe on the original: upscale, the preset with its background, alt text. */
async function recipeRound(
  deps: JobDeps,
  item: JobItem,
  recipe: Recipe,
  provider: AiProvider,
  prompt: string | undefined,
): Promise<RoundResult> {
  const original = await keepOriginal(deps, item);
  let source = original;
  if (recipe.upscale) {
    const facts = (await openImage(original)).facts;
    const upscaled = await provider.upscale(
      { bytes: original, mimeType: facts.mimeType },
      recipe.upscale,
    );
    source = upscaled.image;
  }
  const background: RecipeBackground =
    prompt && recipe.background.kind === "scene" ? { kind: "scene", prompt } : recipe.background;
  const result = await renderWithBackground(source, recipe.preset, background, provider);
  let altText: string | null = null;
  if (recipe.altText && provider.supports("alt-text")) {
    altText = await provider.altText({
      image: { bytes: result.bytes, mimeType: result.mimeType },
      product: item.productTitle ? { title: item.productTitle } : undefined,
    });
  }
  return { ...result, altText };
}

/**
 * The preset's framing and encoding around the recipe's background: the preset's own, a colour
 * under the cut-out, or a scene built around the framed cut-out by the AI provider.
 */
export async function renderWithBackground(
  source: Buffer,
  presetId: PresetId,
  background: RecipeBackground,
  provider: AiProvider,
): Promise<Omit<RoundResult, "altText">> {
  const preset = PRESETS[presetId];
  if (background.kind === "preset") return processImage(source, preset, { provider });
  if (background.kind === "color") {
    return processImage(
      source,
      { ...preset, background: parseBackground(background.color) },
      { provider },
    );
  }
  if (preset.frame.kind !== "canvas") {
    throw new AiProviderError(
      "invalid_request",
      `${preset.name}s keep the whole photo, so the product cannot be placed in a scene.`,
      false,
    );
  }
  // The cut-out framed as the preset frames it (enlarged when small), on transparency, so the
  // scene receives the product at the size the preset wants it.
  const framed = await processImage(
    source,
    {
      ...preset,
      background: TRANSPARENT,
      shadow: null,
      output: { format: "png" },
      accepts: { formats: ["png"] },
    },
    { provider },
  );
  if (framed.product.found !== "removed" && framed.product.found !== "transparent") {
    throw new AiProviderError(
      "no_cutout",
      "Photo Studio could not separate the product from its background, so it cannot be placed in a scene. Use a plain background for this photo.",
      false,
    );
  }
  const scene = await provider.scene({
    cutout: framed.bytes,
    templateId: background.templateId,
    prompt: background.prompt,
    width: preset.frame.width,
    height: preset.frame.height,
  });
  const encoded = await composeCutout(scene, {
    background: WHITE,
    output: { ...preset.output, maxBytes: preset.accepts.maxBytes },
  });
  return {
    bytes: encoded.bytes,
    mimeType: encoded.mimeType,
    format: encoded.format,
    width: encoded.width,
    height: encoded.height,
    notes: [...framed.notes, ...encoded.notes],
  };
}

/** The magic eraser on the result the merchant drew on, encoded as the preset encodes. */
async function eraseRound(
  deps: JobDeps,
  item: JobItem,
  recipe: Recipe,
  provider: AiProvider,
  task: GenerateTask,
): Promise<RoundResult> {
  const base = task.baseVariantId
    ? await deps.db.variant.findFirst({
        where: { id: task.baseVariantId, shop: item.shop, jobItemId: item.id },
      })
    : null;
  if (!base || !task.maskKey) {
    throw Object.assign(new Error("The result to erase from is no longer available."), {
      name: "StorageNotFoundError",
      code: "result_missing",
      retryable: false,
    });
  }
  const [image, mask] = await Promise.all([
    deps.storage.get(base.storageKey),
    deps.storage.get(task.maskKey),
  ]);
  const erased = await provider.erase({
    image: { bytes: image, mimeType: `image/${base.format}` },
    mask,
  });
  const preset = PRESETS[recipe.preset];
  const encoded = await composeCutout(erased, {
    background: WHITE,
    output: { ...preset.output, maxBytes: preset.accepts.maxBytes },
  });
  return {
    bytes: encoded.bytes,
    mimeType: encoded.mimeType,
    format: encoded.format,
    width: encoded.width,
    height: encoded.height,
    altText: base.altText,
    notes: [...(JSON.parse(base.notes) as ImageNote[]), ...encoded.notes],
  };
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
  await prepareThumbnail(deps.storage, key, bytes);
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
  origin: VariantOrigin;
  prompt: string | null;
  maskKey: string | null;
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
  const created = existing
    ? null
    : await deps.db.variant.create({ data: { shop, jobItemId: item.id, ...variant } });
  try {
    await transition(deps.db, shop, item, "ready_for_review");
  } catch (error) {
    // Canceled while we worked: the result is kept but goes no further.
    if (error instanceof ConcurrentTransitionError) return;
    throw error;
  }
  if (autoApprove) {
    await approveForJob(deps, { ...item, status: "ready_for_review" }, created ?? undefined);
  }
}

/** Hands the approved result back to the write; false when there is none to hand back. */
async function approveAgain(deps: JobDeps, item: JobItem) {
  const { shop } = item;
  const variant = await deps.db.variant.findFirst({
    where: { shop, jobItemId: item.id },
    orderBy: { createdAt: "desc" },
  });
  if (variant?.review !== "approved") return false;
  try {
    await transition(deps.db, shop, item, "ready_for_review", "the approved result is kept");
    await transition(
      deps.db,
      shop,
      { ...item, status: "ready_for_review" },
      "approved",
      "approved earlier by the merchant",
    );
  } catch (error) {
    if (error instanceof ConcurrentTransitionError) return true;
    throw error;
  }
  await queueWrite(deps, shop, item.id, variant.id);
  return true;
}

/**
 * The job trusts its recipe: the latest result is approved and queued for writing. `latest` is
 * that result when the caller has just created it.
 */
async function approveForJob(deps: JobDeps, item: JobItem, latest?: Variant) {
  const { shop } = item;
  const variant =
    latest ??
    (await deps.db.variant.findFirst({
      where: { shop, jobItemId: item.id },
      orderBy: { createdAt: "desc" },
    }));
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

/**
 * Queues the write of an approved variant. The key names the approval: the n-th time an item is
 * approved (a write retried after a failure is approved again) gets a task of its own, and
 * anything that queues the same approval again (the sweep after a crash) adds nothing.
 */
export async function queueWrite(
  deps: Pick<JobDeps, "queue" | "db">,
  shop: string,
  itemId: string,
  variantId: string,
) {
  const approvals = await deps.db.jobTransition.count({
    where: { shop, entityType: "JobItem", entityId: itemId, toStatus: "approved" },
  });
  await deps.queue.enqueue<ItemTask>(
    QUEUES.write,
    { shop, itemId },
    { key: writeKey(itemId, variantId, approvals) },
  );
}

export function writeKey(itemId: string, variantId: string, approval: number) {
  return approval <= 1
    ? `write:${itemId}:${variantId}`
    : `write:${itemId}:${variantId}:${approval}`;
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
