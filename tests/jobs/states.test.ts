import type { PrismaClient } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createPrismaClient } from "~/db/client.server";
import {
  ConcurrentTransitionError,
  deriveJobStatus,
  IllegalTransitionError,
  ITEM_STATES,
  ITEM_TRANSITIONS,
  JobItemNotFoundError,
  jobSummary,
  transition,
  type ItemCounts,
  type ItemState,
} from "~/jobs/states";
import {
  createJob,
  getJob,
  getJobItem,
  listItemTransitions,
  listJobItems,
} from "~/models/job.server";

import { migratedDatabase, providers } from "../support/databases";

let shopCounter = 0;
/** A shop of its own per test: the PostgreSQL schema is shared by every file of the run. */
const newShop = () => `states-${Date.now()}-${shopCounter++}.myshopify.com`;

async function jobWithItems(db: PrismaClient, shop: string, count = 1) {
  const job = await createJob(db, shop, {
    recipe: { preset: "amazon" },
    images: Array.from({ length: count }, (_, i) => ({
      productId: `gid://shopify/Product/${i + 1}`,
      mediaId: `gid://shopify/MediaImage/${i + 1}`,
    })),
  });
  return { job, items: await listJobItems(db, shop, job.id) };
}

describe("the job item state machine, as data", () => {
  it("names a known state for every allowed move", () => {
    for (const [from, targets] of Object.entries(ITEM_TRANSITIONS)) {
      expect(ITEM_STATES).toContain(from);
      for (const to of targets) expect(ITEM_STATES).toContain(to);
    }
  });

  it("derives a job's status from its items, most urgent first", () => {
    expect(deriveJobStatus({})).toBe("queued");
    expect(deriveJobStatus({ queued: 3 })).toBe("queued");
    expect(deriveJobStatus({ queued: 2, ready_for_review: 1 })).toBe("processing");
    expect(deriveJobStatus({ approved: 1, writing: 1 })).toBe("writing");
    expect(deriveJobStatus({ ready_for_review: 1, written: 5 })).toBe("in_review");
    expect(deriveJobStatus({ written: 4, failed: 1 })).toBe("completed");
    expect(deriveJobStatus({ failed: 2, canceled: 1 })).toBe("failed");
    expect(deriveJobStatus({ canceled: 2 })).toBe("canceled");
  });
});

describe.each(providers)("job item transitions on $name", ({ name, skip }) => {
  let db: PrismaClient;
  beforeAll(() => {
    if (!skip) db = createPrismaClient(migratedDatabase(name));
  });
  afterAll(async () => {
    await db?.$disconnect();
  });

  it.skipIf(skip)(
    "walk an item from queued to restored, keeping the job's status and counts in step",
    async () => {
      const shop = newShop();
      const { job, items } = await jobWithItems(db, shop, 2);
      const [item, other] = items;
      expect(job).toMatchObject({ status: "queued", itemCount: 2 });

      const path = [
        ["processing", "processing"],
        ["ready_for_review", "processing"],
        ["approved", "processing"],
      ] as const;
      let current = item!;
      for (const [to, jobStatus] of path) {
        const result = await transition(db, shop, current, to, `to ${to}`);
        expect(result.job.status).toBe(jobStatus);
        current = (await getJobItem(db, shop, current.id))!;
      }
      await transition(db, shop, other!, "canceled", "merchant removed it");
      expect((await getJob(db, shop, job.id))!.status).toBe("in_review");

      for (const to of ["writing", "written", "restored"] as const) {
        await transition(db, shop, current, to);
        current = (await getJobItem(db, shop, current.id))!;
      }
      expect(current).toMatchObject({ status: "restored", attempts: 1 });
      expect(current.finishedAt).toBeInstanceOf(Date);
      expect(await getJob(db, shop, job.id)).toMatchObject({
        status: "completed",
        itemCount: 2,
        canceledCount: 1,
        doneCount: 1,
      });

      const recorded = await listItemTransitions(db, shop, item!.id);
      expect(recorded.map((t) => [t.fromStatus, t.toStatus])).toEqual([
        ["queued", "processing"],
        ["processing", "ready_for_review"],
        ["ready_for_review", "approved"],
        ["approved", "writing"],
        ["writing", "written"],
        ["written", "restored"],
      ]);
      expect(recorded[0]!.reason).toBe("to processing");
    },
  );

  it.skipIf(skip)("record the reason a failed item gives", async () => {
    const shop = newShop();
    const { items } = await jobWithItems(db, shop);
    await transition(db, shop, items[0]!, "processing");
    await transition(db, shop, { ...items[0]!, status: "processing" }, "failed", "model timed out");
    expect(await getJobItem(db, shop, items[0]!.id)).toMatchObject({
      status: "failed",
      lastError: "model timed out",
    });
    expect((await getJob(db, shop, items[0]!.jobId))!.status).toBe("failed");
  });

  it.skipIf(skip)(
    "refuse a move the state machine does not allow, and record nothing",
    async () => {
      const shop = newShop();
      const { items } = await jobWithItems(db, shop);
      await expect(transition(db, shop, items[0]!, "written")).rejects.toThrow(
        IllegalTransitionError,
      );
      await expect(
        transition(db, shop, { ...items[0]!, status: "canceled" }, "queued"),
      ).rejects.toThrow(IllegalTransitionError);
      expect((await getJobItem(db, shop, items[0]!.id))!.status).toBe("queued");
      expect(await listItemTransitions(db, shop, items[0]!.id)).toEqual([]);
    },
  );

  it.skipIf(skip)("refuse a move based on a stale view of the item", async () => {
    const shop = newShop();
    const { items } = await jobWithItems(db, shop);
    await transition(db, shop, items[0]!, "processing");
    const error = await transition(db, shop, items[0]!, "canceled").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentTransitionError);
    expect(error).toMatchObject({ expected: "queued", actual: "processing" });
  });

  it.skipIf(skip)("let exactly one of two simultaneous moves win", async () => {
    const shop = newShop();
    const { job, items } = await jobWithItems(db, shop);
    const results = await Promise.allSettled([
      transition(db, shop, items[0]!, "processing", "worker"),
      transition(db, shop, items[0]!, "canceled", "merchant"),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrentTransitionError);

    const winner = (won[0] as PromiseFulfilledResult<{ to: string }>).value.to;
    expect((await getJobItem(db, shop, items[0]!.id))!.status).toBe(winner);
    expect(await listItemTransitions(db, shop, items[0]!.id)).toHaveLength(1);
    expect((await getJob(db, shop, job.id))!.status).toBe(
      winner === "processing" ? "processing" : "canceled",
    );
  });

  it.skipIf(skip)(
    "keep the job's counts equal to a recount of its items through concurrent moves and lost races",
    async () => {
      const shop = newShop();
      const { job, items } = await jobWithItems(db, shop, 12);
      // On PostgreSQL, separate connections as separate worker processes have; SQLite is the
      // one-process default, whose moves share the process's one connection.
      const others =
        name === "PostgreSQL"
          ? [createPrismaClient(migratedDatabase(name)), createPrismaClient(migratedDatabase(name))]
          : [];
      const clients = [db, ...others];
      const paths: ItemState[][] = [
        ["processing", "ready_for_review", "approved", "writing", "written", "restored"],
        ["processing", "failed", "queued", "processing", "ready_for_review"],
        ["processing", "ready_for_review", "approved", "writing", "approved", "writing", "failed"],
        ["canceled"],
      ];
      try {
        await Promise.all(
          items.map(async (item, i) => {
            let status = item.status;
            for (const to of paths[i % paths.length]!) {
              const client = clients[(i + status.length) % clients.length]!;
              // A second mover with the same stale view loses, and must leave no trace.
              const [won, lost] = await Promise.allSettled([
                transition(client, shop, { ...item, status }, to),
                transition(clients[(i + 1) % clients.length]!, shop, { ...item, status }, to),
              ]);
              const reasons = [won, lost].flatMap((r) =>
                r.status === "rejected" ? [String(r.reason)] : [],
              );
              expect(reasons, reasons.join("; ")).toHaveLength(1);
              status = to;
            }
          }),
        );
      } finally {
        for (const other of others) await other.$disconnect();
      }
      const counts: ItemCounts = {};
      for (const item of await listJobItems(db, shop, job.id)) {
        const state = item.status as ItemState;
        counts[state] = (counts[state] ?? 0) + 1;
      }
      expect(counts).toEqual({ restored: 3, ready_for_review: 3, failed: 3, canceled: 3 });
      const stored = await db.job.findFirstOrThrow({ where: { id: job.id, shop } });
      expect(stored).toMatchObject(jobSummary(counts));
      expect(stored.status).toBe("in_review");
    },
  );

  it.skipIf(skip)("answer another shop's ids exactly like missing ones", async () => {
    const shop = newShop();
    const intruder = newShop();
    const { job, items } = await jobWithItems(db, shop);
    await transition(db, shop, items[0]!, "processing");

    expect(await getJob(db, intruder, job.id)).toBeNull();
    expect(await getJobItem(db, intruder, items[0]!.id)).toBeNull();
    expect(await listJobItems(db, intruder, job.id)).toEqual([]);
    expect(await listItemTransitions(db, intruder, items[0]!.id)).toEqual([]);

    const foreign = await transition(
      db,
      intruder,
      { ...items[0]!, status: "processing" },
      "failed",
    ).catch((e: unknown) => e);
    const missing = await transition(
      db,
      intruder,
      { ...items[0]!, id: "no-such-item", status: "processing" },
      "failed",
    ).catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(JobItemNotFoundError);
    expect(missing).toBeInstanceOf(JobItemNotFoundError);
    expect((foreign as Error).message.replace(items[0]!.id, "ID")).toBe(
      (missing as Error).message.replace("no-such-item", "ID"),
    );
    expect((await getJobItem(db, shop, items[0]!.id))!.status).toBe("processing");
    expect((await getJob(db, shop, job.id))!.status).toBe("processing");
  });
});
