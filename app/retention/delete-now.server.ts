/**
 * "Delete now": a job's, a product's or all of a shop's images and records, gone at once, rows and
 * files together, at the merchant's request. Refused while something is being written to the
 * store or generated for what would be deleted: removing the journal of a write half-way would
 * leave the product half-changed with no way to undo it.
 *
 * Kept after deleting everything: the shop's settings, its credit balance and credit history (what
 * it paid for) and the audit log (which records this deletion), as the "Your data" page says.
 */
import type { Prisma, PrismaClient } from "@prisma/client";

import { recordAudit } from "../audit/audit.server.ts";
import { refreshJobSummary } from "../jobs/states.ts";
import { itemPrefix, jobPrefix, shopPrefix } from "../storage/keys.ts";
import type { ObjectStorage } from "../storage/object-storage.server.ts";

export interface DeleteDeps {
  db: PrismaClient;
  storage: ObjectStorage;
}

export interface DeleteOutcome {
  jobs: number;
  images: number;
  files: number;
}

/** Something is being written or made for this data right now; the message says what to do. */
export class DataBusyError extends Error {
  override name = "DataBusyError";
  readonly code = "data_busy";
}

const WRITING = ["writing"];
const MAKING = ["queued", "processing"];

async function assertIdle(
  db: PrismaClient,
  shop: string,
  scope: Prisma.JobItemWhereInput,
  what: string,
) {
  const [writing, making] = await Promise.all([
    db.jobItem.count({ where: { ...scope, shop, status: { in: WRITING } } }),
    db.jobItem.count({ where: { ...scope, shop, status: { in: MAKING } } }),
  ]);
  const products = await db.jobItem.findMany({
    where: { ...scope, shop },
    distinct: ["productId"],
    select: { productId: true },
  });
  const locked = await db.productWriteLock.count({
    where: {
      shop,
      expiresAt: { gte: new Date() },
      ...(scope.productId || scope.jobId
        ? { productId: { in: products.map((row) => row.productId) } }
        : {}),
    },
  });
  if (writing > 0 || locked > 0) {
    throw new DataBusyError(
      `Photo Studio is writing images to your store for ${what} right now. Wait until it is done, then delete.`,
    );
  }
  if (making > 0) {
    throw new DataBusyError(
      `Photo Studio is still making images for ${what}. Cancel the job on its page, or wait until it is done, then delete.`,
    );
  }
}

/** The AI calls' idempotency keys of items: `<shop>|<item>:…` (round 0) and `<shop>|<item>|<n>:…`. */
function predictionKeys(shop: string, itemIds: string[]) {
  return itemIds.flatMap((id) => [
    { key: { startsWith: `${shop}|${id}:` } },
    { key: { startsWith: `${shop}|${id}|` } },
  ]);
}

const CHUNK = 200;
/** A big job's rows take longer than Prisma's 5-second default for interactive transactions. */
const LONG_TRANSACTION = { maxWait: 10_000, timeout: 120_000 };

/**
 * Rows that name items without a relation (their transitions and AI idempotency records), in
 * chunks: a 10,000-image job would otherwise exceed the database's limit on query parameters.
 */
async function deleteItemSideRows(tx: Prisma.TransactionClient, shop: string, itemIds: string[]) {
  for (let start = 0; start < itemIds.length; start += CHUNK) {
    const chunk = itemIds.slice(start, start + CHUNK);
    await tx.jobTransition.deleteMany({
      where: { shop, entityType: "JobItem", entityId: { in: chunk } },
    });
    await tx.predictionLedgerEntry.deleteMany({ where: { shop, OR: predictionKeys(shop, chunk) } });
  }
}

/** A job's images, results and records. Null when the shop has no such job (the route's 404). */
export async function deleteJobData(
  deps: DeleteDeps,
  shop: string,
  jobId: string,
): Promise<DeleteOutcome | null> {
  const job = await deps.db.job.findFirst({ where: { id: jobId, shop }, select: { id: true } });
  if (!job) return null;
  await assertIdle(deps.db, shop, { jobId }, "this job");
  const items = await deps.db.jobItem.findMany({ where: { shop, jobId }, select: { id: true } });
  const itemIds = items.map((item) => item.id);
  // Files first: if the rows could not go, the merchant still sees the job and can try again.
  const files = await deps.storage.deletePrefix(jobPrefix(shop, jobId));
  await deps.db.$transaction(async (tx) => {
    await deleteItemSideRows(tx, shop, itemIds);
    await tx.jobTransition.deleteMany({ where: { shop, entityType: "Job", entityId: jobId } });
    // Items, variants and write-backs go with the job (onDelete: Cascade).
    await tx.job.deleteMany({ where: { id: jobId, shop } });
  }, LONG_TRANSACTION);
  const outcome = { jobs: 1, images: itemIds.length, files };
  await recordAudit(deps.db, shop, {
    action: "data.deleted",
    actor: "merchant",
    subjectType: "job",
    subjectId: jobId,
    details: { ...outcome },
  });
  return outcome;
}

/**
 * Every image of one product, whatever job it was in, and what Photo Studio measured of it.
 * Jobs left without images go too; the others are recounted. Null when nothing of it is stored.
 */
export async function deleteProductData(
  deps: DeleteDeps,
  shop: string,
  productId: string,
): Promise<DeleteOutcome | null> {
  const [items, facts] = await Promise.all([
    deps.db.jobItem.findMany({
      where: { shop, productId },
      select: { id: true, jobId: true },
    }),
    deps.db.imageFacts.count({ where: { shop, productId } }),
  ]);
  if (items.length === 0 && facts === 0) return null;
  await assertIdle(deps.db, shop, { productId }, "this product");
  let files = 0;
  for (const item of items) {
    files += await deps.storage.deletePrefix(itemPrefix(shop, item.jobId, item.id));
  }
  const itemIds = items.map((item) => item.id);
  const jobIds = [...new Set(items.map((item) => item.jobId))];
  let jobs = 0;
  await deps.db.$transaction(async (tx) => {
    await deleteItemSideRows(tx, shop, itemIds);
    await tx.jobItem.deleteMany({ where: { shop, productId } });
    await tx.imageFacts.deleteMany({ where: { shop, productId } });
    for (const jobId of jobIds) {
      const left = await tx.jobItem.count({ where: { shop, jobId } });
      if (left === 0) {
        jobs += (await tx.job.deleteMany({ where: { id: jobId, shop } })).count;
        await tx.jobTransition.deleteMany({ where: { shop, entityType: "Job", entityId: jobId } });
      } else {
        await refreshJobSummary(tx, shop, jobId);
      }
    }
  }, LONG_TRANSACTION);
  const outcome = { jobs, images: itemIds.length, files };
  await recordAudit(deps.db, shop, {
    action: "data.deleted",
    actor: "merchant",
    subjectType: "product",
    subjectId: productId,
    details: { ...outcome },
  });
  return outcome;
}

/** Every image, result and job record of the shop, its saved recipes and image measurements. */
export async function deleteAllData(deps: DeleteDeps, shop: string): Promise<DeleteOutcome> {
  await assertIdle(deps.db, shop, {}, "your store");
  const files = await deps.storage.deletePrefix(shopPrefix(shop));
  const [, , , , , , , items, jobs] = await deps.db.$transaction([
    deps.db.jobTransition.deleteMany({ where: { shop } }),
    deps.db.predictionLedgerEntry.deleteMany({ where: { shop } }),
    deps.db.queueTask.deleteMany({ where: { shop } }),
    deps.db.imageFacts.deleteMany({ where: { shop } }),
    deps.db.savedRecipe.deleteMany({ where: { shop } }),
    deps.db.writeBack.deleteMany({ where: { shop } }),
    deps.db.variant.deleteMany({ where: { shop } }),
    deps.db.jobItem.deleteMany({ where: { shop } }),
    deps.db.job.deleteMany({ where: { shop } }),
  ]);
  const outcome = { jobs: jobs.count, images: items.count, files };
  await recordAudit(deps.db, shop, {
    action: "data.deleted",
    actor: "merchant",
    subjectType: "shop",
    details: { ...outcome },
  });
  return outcome;
}
