import type { PrismaClient } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createPrismaClient } from "~/db/client.server";
import { DatabaseQueue } from "~/jobs/queue/database-queue.server";
import { transition } from "~/jobs/states";
import { createJob, getJob, listJobItems } from "~/models/job.server";
import { eraseShop } from "~/models/shop.server";

import { migratedDatabase, providers } from "../support/databases";

describe.each(providers)("shop/redact on $name", ({ name, skip }) => {
  let db: PrismaClient;
  beforeAll(() => {
    if (!skip) db = createPrismaClient(migratedDatabase(name));
  });
  afterAll(async () => {
    await db?.$disconnect();
  });

  it.skipIf(skip)(
    "erases the shop's jobs, their history and queued tasks, and only those",
    async () => {
      const stamp = Date.now();
      const [leaving, staying] = [
        `leaving-${stamp}.myshopify.com`,
        `staying-${stamp}.myshopify.com`,
      ];
      const queue = new DatabaseQueue(db);
      const jobs: Record<string, string> = {};
      for (const shop of [leaving, staying]) {
        const job = await createJob(db, shop, {
          recipe: {},
          images: [{ productId: "gid://shopify/Product/1", mediaId: "gid://shopify/MediaImage/1" }],
        });
        jobs[shop] = job.id;
        const [item] = await listJobItems(db, shop, job.id);
        await transition(db, shop, item!, "processing");
        await db.variant.create({
          data: { shop, jobItemId: item!.id, storageKey: "k", width: 1, height: 1, format: "png" },
        });
        await queue.enqueue(`erase-${stamp}`, { shop }, { key: `process:${item!.id}` });
      }

      expect(await eraseShop(db, leaving)).toMatchObject({
        jobs: 1,
        jobTransitions: 1,
        queueTasks: 1,
      });

      expect(await getJob(db, leaving, jobs[leaving]!)).toBeNull();
      expect(await db.jobItem.count({ where: { shop: leaving } })).toBe(0);
      expect(await db.variant.count({ where: { shop: leaving } })).toBe(0);
      expect(await getJob(db, staying, jobs[staying]!)).not.toBeNull();
      expect(await db.variant.count({ where: { shop: staying } })).toBe(1);
      expect(await db.queueTask.count({ where: { shop: staying } })).toBe(1);
      await queue.close();
    },
  );
});
