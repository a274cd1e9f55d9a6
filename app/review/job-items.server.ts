/**
 * Item ids a page posts, split into this job's (of this shop) and the rest, which are refused
 * exactly like unknown ids: a page for one job never acts on another's images.
 */
import type { PrismaClient } from "@prisma/client";

import type { ItemsOutcome } from "~/jobs/review.server";

export async function splitJobItems(
  db: PrismaClient,
  shop: string,
  jobId: string,
  itemIds: string[],
): Promise<{ own: string[]; foreign: string[] }> {
  const rows = await db.jobItem.findMany({
    where: { shop, jobId, id: { in: itemIds } },
    select: { id: true },
  });
  const own = new Set(rows.map((row) => row.id));
  return {
    own: itemIds.filter((id) => own.has(id)),
    foreign: itemIds.filter((id) => !own.has(id)),
  };
}

/** The outcome with the foreign ids added as refused, "not found", like the job engine says. */
export function withForeign(outcome: ItemsOutcome, foreign: string[]): ItemsOutcome {
  return {
    done: outcome.done,
    refused: [...outcome.refused, ...foreign.map((itemId) => ({ itemId, reason: "not found" }))],
  };
}
