/**
 * Automation's decision and start: a product's new images (named by the delivery that queued the
 * task) become a job of their own, started through the same path as a merchant's job
 * (`startJob`), so intake holds its credits and a shop that cannot pay gets a job that stopped for
 * insufficient credits, and a notification (app/notifications) instead of a charge.
 *
 * Each image is processed automatically once: it is claimed in `AutoProcessedMedia` (unique per
 * shop and media) before its job starts. Images the app wrote itself are never new arrivals, or
 * every write-back would start another job. A write names its file before creating it (the stem
 * its journal records when it is planned: an SEO name, or `photo-studio-<writeBack>`, see
 * app/shopify/media-write-back.server.ts), so its image is recognised by name from the moment
 * it exists, before the journal records its media id; `WriteBack` then names the media a write
 * created or replaced.
 */
import type { PrismaClient } from "@prisma/client";

import type { JobDeps, ShopTask } from "../jobs/deps.server.ts";
import { RetryableStepError } from "../jobs/failures.ts";
import type { Recipe } from "../jobs/recipe.ts";
import { startJob, type JobRequest } from "../jobs/start-job.server.ts";
import { noteJobOutcome } from "../notifications/job-notifications.server.ts";
import { getSavedRecipe, SavedRecipeError } from "../recipes/saved-recipes.server.ts";
import { getShopSettings } from "../settings/shop-settings.server.ts";
import { listSelectedImages } from "../shopify/catalog.server.ts";

export const AUTOMATION_QUEUE = "automation-process";

export interface AutoProcessTask extends ShopTask {
  productId: string;
  /** The product's media added since automation was switched on, as the delivery listed them. */
  mediaIds: string[];
}

export type AutoProcessOutcome =
  | { kind: "off" }
  | { kind: "recipe_missing" }
  | { kind: "nothing_new" }
  | { kind: "started"; jobId: string; mediaIds: string[] };

/** Files the app names after its writes (and restores) when no other name was chosen. */
const APP_STEM = "photo-studio-";

/** Whether an image's file is one of the app's writes: its name starts with a write's stem. */
export function isAppWrittenFile(url: string, stems: ReadonlySet<string>): boolean {
  let name: string;
  try {
    name = decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
  } catch {
    return false;
  }
  if (name.startsWith(APP_STEM)) return true;
  for (const stem of stems) if (name.startsWith(stem)) return true;
  return false;
}

interface WriteJournal {
  write?: { fileStem?: string; createdFileId?: string } | null;
}

function journalOf(progress: string): WriteJournal {
  try {
    return JSON.parse(progress) as WriteJournal;
  } catch {
    return {};
  }
}

/** What a job started by automation does: the chosen saved recipe, else the shop's defaults. */
async function automationRequest(
  db: PrismaClient,
  shop: string,
): Promise<Omit<JobRequest, "selection"> | null | "off"> {
  const settings = await getShopSettings(db, shop);
  if (!settings.autoProcess) return "off";
  if (settings.autoProcessRecipeId) {
    try {
      const saved = await getSavedRecipe(db, shop, settings.autoProcessRecipeId);
      if (!saved.recipe) return null;
      return {
        recipe: saved.recipe,
        mode: saved.mode,
        position: saved.position,
        autoApprove: saved.autoApprove,
      };
    } catch (error) {
      if (error instanceof SavedRecipeError) return null;
      throw error;
    }
  }
  const recipe: Recipe = {
    preset: settings.defaultPreset,
    background: { kind: "preset" },
    altText: settings.altText,
  };
  return { recipe, mode: settings.writeMode, autoApprove: settings.autoApprove };
}

/** Media of the product the app has already taken on or written. */
async function knownMedia(db: PrismaClient, shop: string, productId: string) {
  const [claimed, writes] = await Promise.all([
    db.autoProcessedMedia.findMany({
      where: { shop, productId },
      select: { mediaId: true, claimKey: true, jobId: true },
    }),
    db.writeBack.findMany({
      where: { shop, productId },
      select: { newMediaId: true, originalMediaId: true, method: true, progress: true },
    }),
  ]);
  const written = new Set<string>();
  const stems = new Set<string>();
  for (const write of writes) {
    if (write.newMediaId) written.add(write.newMediaId);
    // Written in place: the media kept its id but now shows the app's result.
    if (write.method === "file-update") written.add(write.originalMediaId);
    const journal = journalOf(write.progress).write;
    if (journal?.fileStem) stems.add(journal.fileStem);
    if (journal?.createdFileId) written.add(journal.createdFileId);
  }
  return { claimed, written, stems };
}

function isUniqueViolation(error: unknown) {
  return (error as { code?: unknown } | null)?.code === "P2002";
}

/**
 * The job a crashed earlier run of this task started for its claim, if it got that far: the
 * selection names the claimed media, which no other job names.
 */
async function jobStartedFor(db: PrismaClient, shop: string, mediaId: string, since: Date) {
  return db.job.findFirst({
    where: { shop, createdAt: { gte: since }, selection: { contains: `"${mediaId}"` } },
    select: { id: true },
  });
}

export async function runAutoProcess(
  deps: JobDeps,
  task: AutoProcessTask,
  claimKey: string,
): Promise<AutoProcessOutcome> {
  const { db } = deps;
  const { shop, productId } = task;
  const request = await automationRequest(db, shop);
  if (request === "off") return { kind: "off" };
  if (request === null) return { kind: "recipe_missing" };

  const { claimed, written, stems } = await knownMedia(db, shop, productId);
  const mine = claimed.filter((row) => row.claimKey === claimKey && row.jobId === null);
  const taken = new Set(claimed.map((row) => row.mediaId));
  const admin = await deps.adminFor(shop);
  const { images, skipped } = await listSelectedImages(admin, { productIds: [productId] });
  const named = new Set(task.mediaIds);
  const fresh = images.filter(
    (image) =>
      named.has(image.mediaId) &&
      !taken.has(image.mediaId) &&
      !written.has(image.mediaId) &&
      !isAppWrittenFile(image.url, stems),
  );
  // Shopify is still processing some of the new images: come back when they are ready.
  const processing = skipped.filter(
    (media) =>
      media.code === "media_processing" &&
      media.mediaId !== undefined &&
      named.has(media.mediaId) &&
      !taken.has(media.mediaId),
  );
  if (processing.length > 0 && fresh.length === 0) {
    throw new RetryableStepError({
      code: "media_processing",
      message: "Shopify is still processing the product's new images.",
      retryable: true,
    });
  }

  const claims = [...mine.map((row) => row.mediaId)];
  for (const image of fresh) {
    try {
      await db.autoProcessedMedia.create({
        data: { shop, productId, mediaId: image.mediaId, claimKey },
      });
      claims.push(image.mediaId);
    } catch (error) {
      // Another delivery's task claimed it first: that task processes it.
      if (!isUniqueViolation(error)) throw error;
    }
  }
  if (claims.length === 0) return { kind: "nothing_new" };

  let jobId: string;
  const earlier =
    mine.length > 0
      ? await jobStartedFor(db, shop, mine[0]!.mediaId, new Date(Date.now() - 86_400_000))
      : null;
  if (earlier) {
    jobId = earlier.id;
  } else {
    const job = await startJob(deps, shop, {
      ...request,
      selection: { productIds: [productId], mediaIds: claims },
    });
    jobId = job.id;
  }
  await db.autoProcessedMedia.updateMany({
    where: { shop, claimKey, mediaId: { in: claims }, jobId: null },
    data: { jobId },
  });
  // Intake may have failed (no credits) before the claims named the job as automatic.
  const job = await db.job.findFirst({ where: { id: jobId, shop }, select: { status: true } });
  if (job) await noteJobOutcome(db, shop, jobId, job.status);
  return { kind: "started", jobId, mediaIds: claims };
}

/** Registers automation's task on the queue (the web process queues it, workers run it). */
export function startAutoProcessing(deps: JobDeps) {
  deps.queue.process<AutoProcessTask>(
    AUTOMATION_QUEUE,
    async ({ payload, key }) => {
      await runAutoProcess(deps, payload, key);
    },
    { concurrency: 2 },
  );
}
