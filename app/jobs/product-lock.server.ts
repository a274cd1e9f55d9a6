/**
 * One writer per product. Replacing a media in place touches nothing else, but a format change
 * moves media and variant links, and two of those interleaving on one product would scramble the
 * order the merchant set. The lock is a row with a lease, so it works the same across processes
 * and on both databases; a holder that dies lets go when its lease runs out.
 */
import type { PrismaClient } from "@prisma/client";

import { sleep } from "../ai/concurrency.ts";

export interface ProductLockOptions {
  leaseMs?: number;
  /** How long to wait for another writer before giving the task back to the queue. */
  waitMs?: number;
  pollMs?: number;
}

export class ProductBusyError extends Error {
  override name = "ProductBusyError";
  readonly code = "product_busy";
  readonly retryable = true;
  constructor() {
    super("Another change to this product is still being written; it will be tried again.");
  }
}

function isUniqueViolation(error: unknown) {
  return (error as { code?: string } | null)?.code === "P2002";
}

async function tryAcquire(
  db: PrismaClient,
  shop: string,
  productId: string,
  owner: string,
  leaseMs: number,
) {
  const expiresAt = new Date(Date.now() + leaseMs);
  try {
    await db.productWriteLock.create({ data: { shop, productId, owner, expiresAt } });
    return true;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  // Taken: steal it only if its holder stopped renewing (crashed).
  const stolen = await db.productWriteLock.updateMany({
    where: { shop, productId, expiresAt: { lt: new Date() } },
    data: { owner, expiresAt },
  });
  return stolen.count === 1;
}

export async function withProductLock<T>(
  db: PrismaClient,
  shop: string,
  productId: string,
  owner: string,
  work: () => Promise<T>,
  { leaseMs = 120_000, waitMs = 30_000, pollMs = 100 }: ProductLockOptions = {},
): Promise<T> {
  const deadline = Date.now() + waitMs;
  while (!(await tryAcquire(db, shop, productId, owner, leaseMs))) {
    if (Date.now() > deadline) throw new ProductBusyError();
    await sleep(pollMs + Math.random() * pollMs);
  }
  const renew = setInterval(() => {
    db.productWriteLock
      .updateMany({
        where: { shop, productId, owner },
        data: { expiresAt: new Date(Date.now() + leaseMs) },
      })
      .catch(() => {
        // A missed renewal only shortens the lease; the next one or the release follows.
      });
  }, leaseMs / 3);
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await db.productWriteLock.deleteMany({ where: { shop, productId, owner } });
  }
}
