/**
 * The write step (an approved variant onto its product) and its undo (the original back). Both
 * run under the product's lock and keep their journal in the WriteBack row, saved after every
 * change made in Shopify, so a worker killed at any point resumes where it stopped and never
 * uploads the same result twice.
 */
import type { JobItem, WriteBack } from "@prisma/client";

import {
  restoreOriginal,
  writeBackImage,
  type RestoreProgress,
  type WriteBackProgress,
} from "../shopify/media-write-back.server.ts";
import { seoDescriptor, seoFileStem } from "../shopify/seo-file-name.ts";

import { recordAudit } from "../audit/audit.server.ts";

import type { ItemTask, JobDeps, WriteBackTask } from "./deps.server.ts";
import { classifyFailure, RetryableStepError } from "./failures.ts";
import { extensionFor, handleStepError } from "./generate.server.ts";
import { withProductLock, type ProductLockOptions } from "./product-lock.server.ts";
import { parseRecipe, type AddPosition } from "./recipe.ts";
import { readJobRequest } from "./start-job.server.ts";
import { ConcurrentTransitionError, transition } from "./states.ts";

interface StoredProgress {
  write?: WriteBackProgress | null;
  restore?: RestoreProgress | null;
}

function readProgress(row: WriteBack): StoredProgress {
  return JSON.parse(row.progress) as StoredProgress;
}

function journal<K extends keyof StoredProgress>(deps: JobDeps, row: WriteBack, part: K) {
  const stored = readProgress(row);
  return {
    progress: (stored[part] ?? null) as NonNullable<StoredProgress[K]> | null,
    async save(progress: NonNullable<StoredProgress[K]>) {
      stored[part] = progress;
      await deps.db.writeBack.updateMany({
        where: { id: row.id, shop: row.shop },
        data: { progress: JSON.stringify(stored) },
      });
    },
  };
}

function originalLoader(deps: JobDeps, item: JobItem) {
  return async () => {
    if (!item.originalKey) throw new Error(`Item ${item.id} has no stored original`);
    const bytes = await deps.storage.get(item.originalKey);
    const extension = item.originalKey.slice(item.originalKey.lastIndexOf(".") + 1);
    return { bytes, mimeType: mimeTypeFor(extension), extension };
  };
}

const MIME_TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  avif: "image/avif",
  gif: "image/gif",
  tif: "image/tiff",
};

function mimeTypeFor(extension: string) {
  return MIME_TYPES[extension] ?? "application/octet-stream";
}

/**
 * A product's write lock lapses with the queue's task lease: a killed worker's rerun (taken up once
 * the lease lapses) then finds the product free instead of waiting out a longer lock.
 */
function productLockOptions(deps: Pick<JobDeps, "queue">): ProductLockOptions {
  return { leaseMs: deps.queue.leaseMs };
}

export async function runWrite(deps: JobDeps, { shop, itemId }: ItemTask) {
  let item = await deps.db.jobItem.findFirst({ where: { id: itemId, shop } });
  if (!item) return;
  if (item.status === "approved") {
    try {
      await transition(deps.db, shop, item, "writing");
    } catch (error) {
      if (error instanceof ConcurrentTransitionError) return; // unapproved or canceled meanwhile
      throw error;
    }
    item = { ...item, status: "writing" };
  }
  if (item.status !== "writing") return;
  const variant = await deps.db.variant.findFirst({
    where: { shop, jobItemId: item.id, review: "approved" },
    orderBy: { createdAt: "desc" },
  });
  if (!variant) {
    await handleStepError(deps, item, missing("The approved result is no longer available."));
    return;
  }
  const alreadyWritten = await deps.db.writeBack.findFirst({
    where: { shop, jobItemId: item.id, variantId: variant.id, state: "written" },
  });
  if (alreadyWritten) {
    // The last run wrote and recorded it, then died before moving the item on.
    await transition(deps.db, shop, item, "written");
    return;
  }
  const job = await deps.db.job.findFirstOrThrow({ where: { id: item.jobId, shop } });
  const current = item;
  try {
    await withProductLock(
      deps.db,
      shop,
      item.productId,
      deps.workerId,
      async () => {
        const row =
          (await deps.db.writeBack.findFirst({
            where: { shop, jobItemId: current.id, variantId: variant.id, state: "pending" },
          })) ??
          (await deps.db.writeBack.create({
            data: {
              shop,
              jobItemId: current.id,
              variantId: variant.id,
              productId: current.productId,
              originalMediaId: current.mediaId,
              mode: job.mode,
            },
          }));
        const admin = await deps.adminFor(shop);
        const extension = extensionFor(variant.format);
        const result = await writeBackImage(
          admin,
          {
            writeBackId: row.id,
            productId: current.productId,
            originalMediaId: current.mediaId,
            mode: job.mode === "add" ? "add" : "replace",
            position: addPosition(readJobRequest(job).position),
            image: {
              bytes: await deps.storage.get(variant.storageKey),
              mimeType: mimeTypeFor(extension),
              extension,
            },
            alt: variant.altText ?? current.alt,
            fileStem: seoFileStem({
              title: current.productTitle,
              descriptor: seoDescriptor(parseRecipe(job.recipe)),
              writeId: row.id,
            }),
            original: originalLoader(deps, current),
          },
          journal(deps, row, "write"),
          deps.writeBack,
        );
        await deps.db.writeBack.updateMany({
          where: { id: row.id, shop },
          data: {
            state: "written",
            method: result.method,
            newMediaId: result.newMediaId,
            writtenAt: new Date(),
          },
        });
        await transition(deps.db, shop, current, "written");
        await recordAudit(deps.db, shop, {
          action: "images.written",
          actor: "system",
          subjectType: "jobItem",
          subjectId: current.id,
          details: { jobId: current.jobId, productId: row.productId, method: result.method },
        });
      },
      productLockOptions(deps),
    );
  } catch (error) {
    const failure = classifyFailure(error);
    const restoredMediaId = (error as { details?: { restoredMediaId?: string } }).details
      ?.restoredMediaId;
    if (restoredMediaId) {
      // Shopify failed the new image after it replaced the original's bytes; the write put the
      // original back as a new media, which is the one to point at from now on.
      await deps.db.jobItem.updateMany({
        where: { id: current.id, shop },
        data: { mediaId: restoredMediaId },
      });
    }
    if (!failure.retryable) {
      await deps.db.writeBack.updateMany({
        where: { shop, jobItemId: current.id, variantId: variant.id, state: "pending" },
        data: { state: "failed", lastError: failure.message },
      });
    }
    await handleStepError(deps, current, error);
  }
}

/** The zero-based place an added image asks for; undefined is right after the original, and a
 * place past the end is clamped to the last by the write. */
function addPosition(position: AddPosition): number | undefined {
  if (position === "first") return 0;
  if (position === "last") return Number.MAX_SAFE_INTEGER;
  return undefined;
}

function missing(message: string) {
  return Object.assign(new Error(message), {
    name: "StorageNotFoundError",
    code: "result_missing",
    retryable: false,
  });
}

export async function runRestore(deps: JobDeps, { shop, writeBackId }: WriteBackTask) {
  const row = await deps.db.writeBack.findFirst({ where: { id: writeBackId, shop } });
  if (!row) return;
  const item = await deps.db.jobItem.findFirstOrThrow({ where: { id: row.jobItemId, shop } });
  if (row.state === "restored") {
    // The last run restored and recorded it, then died before moving the item on.
    if (item.status === "written") await transition(deps.db, shop, item, "restored");
    return;
  }
  if (row.state !== "written") return;
  try {
    await withProductLock(
      deps.db,
      shop,
      row.productId,
      deps.workerId,
      async () => {
        const admin = await deps.adminFor(shop);
        await restoreOriginal(
          admin,
          {
            writeBackId: row.id,
            productId: row.productId,
            originalMediaId: row.originalMediaId,
            method: row.method as "file-update" | "add-and-relink" | "add",
            progress: readProgress(row).write ?? null,
            original: originalLoader(deps, item),
          },
          journal(deps, row, "restore"),
          deps.writeBack,
        );
        await deps.db.writeBack.updateMany({
          where: { id: row.id, shop },
          data: { state: "restored", restoredAt: new Date() },
        });
        if (item.status === "written") await transition(deps.db, shop, item, "restored");
        await recordAudit(deps.db, shop, {
          action: "images.restored",
          actor: "merchant",
          subjectType: "jobItem",
          subjectId: item.id,
          details: { jobId: item.jobId, productId: row.productId },
        });
      },
      productLockOptions(deps),
    );
  } catch (error) {
    const failure = classifyFailure(error);
    if (failure.retryable) throw new RetryableStepError(failure, { cause: error });
    await deps.db.writeBack.updateMany({
      where: { id: row.id, shop },
      data: { lastError: failure.message },
    });
  }
}
