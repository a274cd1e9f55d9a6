import { randomBytes } from "node:crypto";

import type { PrismaClient } from "@prisma/client";
import { afterAll, describe, expect, it } from "vitest";

import { createPrismaClient } from "~/db/client.server";
import { ProductBusyError, withProductLock } from "~/jobs/product-lock.server";

import { migratedDatabase, providers } from "../support/databases";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(providers)("product write locks on $name", ({ name: provider, skip }) => {
  const clients: PrismaClient[] = [];
  const client = () => {
    const db = createPrismaClient(migratedDatabase(provider));
    clients.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of clients) await db.$disconnect();
  });
  const shop = () => `lock-${randomBytes(4).toString("hex")}.myshopify.com`;

  /** The client, counting what is asked of the lock table by operation. */
  function counted(db: PrismaClient) {
    const calls: Record<string, number> = {};
    const wrapped = db.$extends({
      query: {
        productWriteLock: {
          async $allOperations({ operation, args, query }) {
            calls[operation] = (calls[operation] ?? 0) + 1;
            try {
              return await query(args);
            } catch (error) {
              calls[`${operation} refused`] = (calls[`${operation} refused`] ?? 0) + 1;
              throw error;
            }
          },
        },
      },
    }) as unknown as PrismaClient;
    return { db: wrapped, calls };
  }

  it.skipIf(skip)(
    "runs one process's writers of a product one at a time, in order, without polling",
    async () => {
      const { db, calls } = counted(client());
      const store = shop();
      const log: string[] = [];
      let inside = 0;
      let most = 0;
      const writer = (name: string) =>
        withProductLock(db, store, "gid://shopify/Product/1", "process-a", async () => {
          inside++;
          most = Math.max(most, inside);
          log.push(`${name} in`);
          await sleep(120);
          log.push(`${name} out`);
          inside--;
          return name;
        });
      const results = await Promise.all(["one", "two", "three"].map(writer));
      expect(results).toEqual(["one", "two", "three"]);
      expect(most).toBe(1);
      expect(log).toEqual(["one in", "one out", "two in", "two out", "three in", "three out"]);
      // Each writer inserted the lock once and deleted it once: nobody was refused and retried.
      expect(calls).toEqual({ create: 3, deleteMany: 3 });
      expect(await db.productWriteLock.count({ where: { shop: store } })).toBe(0);
    },
  );

  it.skipIf(skip)(
    "waits for another process's writer, and only the first local writer polls",
    async () => {
      const other = client();
      const { db, calls } = counted(client());
      const store = shop();
      const productId = "gid://shopify/Product/2";
      await other.productWriteLock.create({
        data: {
          shop: store,
          productId,
          owner: "process-b",
          expiresAt: new Date(Date.now() + 60_000),
        },
      });
      const order: string[] = [];
      const writers = ["first", "second"].map((name) =>
        withProductLock(db, store, productId, "process-a", async () => void order.push(name), {
          pollMs: 50,
        }),
      );
      // The first writer keeps asking while the other process holds the product.
      for (let waited = 0; (calls["create refused"] ?? 0) < 3 && waited < 10_000; waited += 20)
        await sleep(20);
      expect(order).toEqual([]);
      expect(calls["create refused"]).toBeGreaterThanOrEqual(3);
      await other.productWriteLock.deleteMany({ where: { shop: store, productId } });
      await Promise.all(writers);
      expect(order).toEqual(["first", "second"]);
      // Every refused insert was the first writer's: the second asked the database only once it
      // was its turn, and got the lock at once.
      expect(calls.create).toBe(calls["create refused"]! + 2);
      expect(calls.deleteMany).toBe(2);
    },
  );

  it.skipIf(skip)(
    "gives up after its wait with a retryable error, and the writers behind it keep their order",
    async () => {
      const db = client();
      const store = shop();
      const productId = "gid://shopify/Product/3";
      const order: string[] = [];
      const slow = withProductLock(db, store, productId, "process-a", async () => {
        await sleep(500);
        order.push("slow");
      });
      const impatient = withProductLock(
        db,
        store,
        productId,
        "process-a",
        async () => void order.push("impatient"),
        { waitMs: 100 },
      );
      const patient = withProductLock(db, store, productId, "process-a", async () => {
        order.push("patient");
      });
      await expect(impatient).rejects.toBeInstanceOf(ProductBusyError);
      await expect(impatient).rejects.toMatchObject({ retryable: true });
      // It gave up while the slow writer still held the product; the next one waited for it.
      expect(order).toEqual([]);
      await Promise.all([slow, patient]);
      expect(order).toEqual(["slow", "patient"]);
    },
  );

  it.skipIf(skip)("takes over the lock of a writer that stopped renewing it", async () => {
    const db = client();
    const store = shop();
    const productId = "gid://shopify/Product/4";
    await db.productWriteLock.create({
      data: { shop: store, productId, owner: "crashed", expiresAt: new Date(Date.now() - 1_000) },
    });
    const owners: string[] = [];
    await withProductLock(db, store, productId, "process-a", async () => {
      const row = await db.productWriteLock.findFirst({ where: { shop: store, productId } });
      owners.push(row!.owner);
    });
    expect(owners).toEqual(["process-a"]);
  });
});
