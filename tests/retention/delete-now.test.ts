import type { PrismaClient } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createPrismaClient } from "~/db/client.server";
import {
  DataBusyError,
  deleteAllData,
  deleteJobData,
  deleteProductData,
} from "~/retention/delete-now.server";
import { shopPrefix } from "~/storage/keys";

import { migratedDatabase, providers } from "../support/databases";

import { newShop, storedJob, tempStorage } from "./support";

const now = new Date();
const MUG = "gid://shopify/Product/1";
const HAT = "gid://shopify/Product/2";

describe.each(providers)("deleting now on $name", ({ name, skip }) => {
  let db: PrismaClient;
  const disk = tempStorage();
  const storage = disk.storage;
  const deps = () => ({ db, storage });

  beforeAll(() => {
    if (!skip) db = createPrismaClient(migratedDatabase(name));
  });
  afterAll(async () => {
    await db?.$disconnect();
    disk.drop();
  });

  async function filesOf(shop: string) {
    return (await storage.list(shopPrefix(shop))).map((entry) => entry.key);
  }

  it.skipIf(skip)("deletes one job's rows and files and nothing else", async () => {
    const shop = newShop("job");
    const other = newShop("job-other");
    const { job, items } = await storedJob(db, storage, shop, [
      {
        status: "written",
        createdAt: now,
        variant: { review: "approved", createdAt: now, mask: true },
        writeBack: { state: "written", writtenAt: now },
      },
    ]);
    const kept = await storedJob(db, storage, shop, [{ status: "canceled", createdAt: now }]);
    const theirs = await storedJob(db, storage, other, [{ status: "canceled", createdAt: now }]);
    await db.jobTransition.create({
      data: { shop, entityType: "JobItem", entityId: items[0]!.id, fromStatus: "a", toStatus: "b" },
    });
    await db.predictionLedgerEntry.create({
      data: { key: `${shop}|${items[0]!.id}:remove-background:0`, shop, state: "done" },
    });

    expect(await deleteJobData(deps(), other, job.id)).toBeNull();
    expect(await db.job.count({ where: { id: job.id } })).toBe(1);

    const outcome = await deleteJobData(deps(), shop, job.id);
    expect(outcome).toEqual({ jobs: 1, images: 1, files: 5 });
    expect(await db.job.findMany({ where: { shop } })).toMatchObject([{ id: kept.job.id }]);
    for (const table of ["jobItem", "variant", "writeBack"] as const) {
      expect(
        await (db[table] as unknown as { count(args: object): Promise<number> }).count({
          where: { shop, ...(table === "jobItem" ? { jobId: job.id } : {}) },
        }),
      ).toBe(0);
    }
    expect(await db.jobTransition.count({ where: { shop, entityId: items[0]!.id } })).toBe(0);
    expect(await db.predictionLedgerEntry.count({ where: { shop } })).toBe(0);
    const left = await filesOf(shop);
    expect(left.every((key) => key.includes(`/jobs/${kept.job.id}/`))).toBe(true);
    expect(left).toHaveLength(2);
    expect(await filesOf(other)).toHaveLength(2);
    expect(await db.jobItem.count({ where: { shop: other, jobId: theirs.job.id } })).toBe(1);
    const audit = await db.auditEvent.findMany({ where: { shop } });
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details)).toEqual({ jobs: 1, images: 1, files: 5 });
  });

  it.skipIf(skip)(
    "deletes one product across jobs, recounting the jobs and removing emptied ones",
    async () => {
      const shop = newShop("product");
      const onlyMug = await storedJob(db, storage, shop, [
        { status: "canceled", createdAt: now, productId: MUG },
      ]);
      const mixed = await storedJob(db, storage, shop, [
        { status: "canceled", createdAt: now, productId: MUG },
        { status: "failed", createdAt: now, productId: HAT },
      ]);
      await db.imageFacts.create({
        data: {
          shop,
          mediaId: "m1",
          productId: MUG,
          sourceUrl: "https://cdn/x.jpg",
          width: 1,
          height: 1,
          whiteBackground: true,
        },
      });
      const outcome = await deleteProductData(deps(), shop, MUG);
      expect(outcome).toEqual({ jobs: 1, images: 2, files: 4 });
      expect(await db.job.count({ where: { id: onlyMug.job.id } })).toBe(0);
      const job = await db.job.findFirstOrThrow({ where: { id: mixed.job.id } });
      expect(job).toMatchObject({ itemCount: 1, failedCount: 1, status: "failed" });
      expect(await db.imageFacts.count({ where: { shop } })).toBe(0);
      const left = await filesOf(shop);
      expect(left).toHaveLength(2);
      expect(left.every((key) => key.includes(mixed.items[1]!.id))).toBe(true);
      expect(await deleteProductData(deps(), shop, MUG)).toBeNull();
    },
  );

  it.skipIf(skip)("refuses while an image is written or made, in plain words", async () => {
    const shop = newShop("busy");
    const writing = await storedJob(db, storage, shop, [
      { status: "writing", createdAt: now, productId: MUG },
    ]);
    const making = await storedJob(db, storage, shop, [
      { status: "processing", createdAt: now, productId: HAT },
    ]);
    await expect(deleteJobData(deps(), shop, writing.job.id)).rejects.toThrow(
      "Photo Studio is writing images to your store for this job right now. Wait until it is done, then delete.",
    );
    await expect(deleteProductData(deps(), shop, HAT)).rejects.toThrow(
      /still making images for this product\. Cancel the job/,
    );
    await expect(deleteAllData(deps(), shop)).rejects.toBeInstanceOf(DataBusyError);
    expect(await db.jobItem.count({ where: { shop } })).toBe(2);
    expect(await filesOf(shop)).toHaveLength(4);

    // A restore holds the product's lock without any item being in "writing".
    await db.jobItem.updateMany({ where: { shop }, data: { status: "written" } });
    await db.productWriteLock.create({
      data: { shop, productId: HAT, owner: "w", expiresAt: new Date(Date.now() + 60_000) },
    });
    await expect(deleteJobData(deps(), shop, making.job.id)).rejects.toBeInstanceOf(DataBusyError);
    expect(await deleteJobData(deps(), shop, writing.job.id)).toMatchObject({ images: 1 });
  });

  it.skipIf(skip)(
    "deletes everything of a shop but its settings, credits and audit log",
    async () => {
      const shop = newShop("all");
      const other = newShop("all-other");
      await storedJob(db, storage, shop, [
        { status: "canceled", createdAt: now, variant: { review: "rejected", createdAt: now } },
      ]);
      await storedJob(db, storage, other, [{ status: "canceled", createdAt: now }]);
      await db.shopSettings.create({ data: { shop } });
      await db.savedRecipe.create({ data: { shop, name: "Mine", recipe: "{}" } });
      await db.creditAccount.create({ data: { shop, available: 5 } });
      await db.queueTask.create({
        data: {
          shop,
          queue: "job-generate",
          key: `k-${shop}`,
          payload: "{}",
          maxAttempts: 1,
          runAt: now,
        },
      });
      const outcome = await deleteAllData(deps(), shop);
      expect(outcome).toEqual({ jobs: 1, images: 1, files: 4 });
      expect(await filesOf(shop)).toEqual([]);
      expect(await filesOf(other)).toHaveLength(2);
      for (const count of [
        db.job.count({ where: { shop } }),
        db.jobItem.count({ where: { shop } }),
        db.variant.count({ where: { shop } }),
        db.savedRecipe.count({ where: { shop } }),
        db.queueTask.count({ where: { shop } }),
      ]) {
        expect(await count).toBe(0);
      }
      expect(await db.shopSettings.count({ where: { shop } })).toBe(1);
      expect(await db.creditAccount.findUnique({ where: { shop } })).toMatchObject({
        available: 5,
      });
      expect(await db.auditEvent.findMany({ where: { shop } })).toMatchObject([
        { action: "data.deleted", subjectType: "shop" },
      ]);
      expect(await db.job.count({ where: { shop: other } })).toBe(1);
    },
  );
});
