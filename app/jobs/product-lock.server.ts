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

/**
 * This process's writers of each product, chained in arrival order. They wait for each other here
 * and only the one at the head asks the database (where another process may hold the row): a
 * product's second image waiting out its first by polling cost two queries and a refused insert
 * every 100–200 ms.
 */
const localWriters = new Map<string, Promise<void>>();

/** Resolves true once `turn` has settled, or false when the deadline comes first. */
function waitUntil(turn: Promise<void>, deadline: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([turn.then(() => true), late]).finally(() => clearTimeout(timer));
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
  const key = `${shop}/${productId}`;
  const before = localWriters.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  // A writer that gives up still keeps its place until the one before it is through.
  const turn = before.then(() => mine);
  localWriters.set(key, turn);
  try {
    if (!(await waitUntil(before, deadline))) throw new ProductBusyError();
    return await withDatabaseLock(db, shop, productId, owner, work, { leaseMs, deadline, pollMs });
  } finally {
    done();
    if (localWriters.get(key) === turn) localWriters.delete(key);
  }
}

async function withDatabaseLock<T>(
  db: PrismaClient,
  shop: string,
  productId: string,
  owner: string,
  work: () => Promise<T>,
  { leaseMs, deadline, pollMs }: { leaseMs: number; deadline: number; pollMs: number },
): Promise<T> {
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
