/**
 * What the merchant does with a job: approve or reject results, cancel what has not run yet, and
 * put originals back. Each acts on items by id within the shop; an id from another shop is
 * ignored exactly like an unknown one. Work that follows (writing, restoring) is queued, never
 * done in the request.
 */
import type { JobDeps, WriteBackTask } from "./deps.server.ts";
import { QUEUES } from "./deps.server.ts";
import { queueWrite } from "./generate.server.ts";
import { ConcurrentTransitionError, transition, type ItemState } from "./states.ts";

type Deps = Pick<JobDeps, "db" | "queue">;

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
  return eachItem(deps, shop, itemIds, ["ready_for_review"], async (item) => {
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
