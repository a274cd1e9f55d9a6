/**
 * The intake step: the job's selection becomes one item per product image, and every item is
 * queued for generation. Safe to run again after a crash at any point: items are unique per
 * (job, media) and generation tasks per item.
 */
import { noteJobOutcome } from "../notifications/job-notifications.server.ts";
import { listSelectedImages } from "../shopify/catalog.server.ts";

import { holdJobCreditsWithOverage, releaseUnusedJobCredits } from "./credits.server.ts";
import { pauseIntake } from "./paused-jobs.server.ts";
import type { ItemTask, JobDeps, JobTask } from "./deps.server.ts";
import { QUEUES } from "./deps.server.ts";
import { onlySelectedMedia, readJobRequest } from "./start-job.server.ts";
import { refreshJobSummary } from "./states.ts";

const CHUNK = 200;

export async function runIntake(deps: JobDeps, { shop, jobId }: JobTask) {
  const job = await deps.db.job.findFirst({ where: { id: jobId, shop } });
  if (!job || job.canceledAt || job.intake === "failed") return;
  if (job.intake === "pending") {
    const admin = await deps.adminFor(shop);
    const { selection } = readJobRequest(job);
    const { images, skipped } = onlySelectedMedia(
      await listSelectedImages(admin, selection),
      selection,
    );
    // Before any item exists: a job the shop cannot pay for processes nothing. The hold is
    // keyed by the job, so a rerun after a crash holds once.
    const held = await holdJobCreditsWithOverage(deps, shop, job, images.length);
    if (held.kind === "insufficient") {
      await failIntake(deps, { shop, jobId }, held.message, "insufficient_credits");
      return;
    }
    if (held.kind === "paused") {
      await pauseIntake(deps.db, shop, jobId, held.message);
      return;
    }
    const known = new Set(
      (await deps.db.jobItem.findMany({ where: { shop, jobId }, select: { mediaId: true } })).map(
        (item) => item.mediaId,
      ),
    );
    const fresh = images.filter((image) => !known.has(image.mediaId));
    for (let start = 0; start < fresh.length; start += CHUNK) {
      await deps.db.jobItem.createMany({
        data: fresh.slice(start, start + CHUNK).map((image) => ({
          shop,
          jobId,
          productId: image.productId,
          productTitle: image.productTitle,
          mediaId: image.mediaId,
          sourceUrl: image.url,
          alt: image.alt,
          position: image.position,
        })),
      });
    }
    await deps.db.$transaction(async (tx) => {
      await tx.job.updateMany({
        where: { id: jobId, shop },
        data: { intake: "done", skipped: JSON.stringify(skipped) },
      });
      await refreshJobSummary(tx, shop, jobId);
    });
  }
  await queueGeneration(deps, shop, jobId);
}

/** Queues every still-queued item; keys make a repeat (after a crash) add nothing. */
async function queueGeneration(deps: JobDeps, shop: string, jobId: string) {
  const items = await deps.db.jobItem.findMany({
    where: { shop, jobId, status: "queued" },
    select: { id: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  for (const item of items) {
    await deps.queue.enqueue<ItemTask>(
      QUEUES.generate,
      { shop, itemId: item.id },
      { key: generateKey(item.id, 0) },
    );
  }
}

/** A new round (a retry the merchant asked for) needs a new key; the first round is 0. */
export function generateKey(itemId: string, round: number) {
  return `generate:${itemId}:${round}`;
}

/** The job's intake could not finish: the job fails with the reason, in the merchant's words. */
export async function failIntake(
  deps: Pick<JobDeps, "db">,
  { shop, jobId }: JobTask,
  message: string,
  code = "intake_failed",
) {
  await deps.db.job.updateMany({
    where: { id: jobId, shop, intake: "pending" },
    data: { intake: "failed", intakeError: message, intakeErrorCode: code, status: "failed" },
  });
  // A hold taken before the failure (listing died after it) has no items to settle it.
  await releaseUnusedJobCredits(deps.db, shop, jobId);
  await noteJobOutcome(deps.db, shop, jobId, "failed");
}
