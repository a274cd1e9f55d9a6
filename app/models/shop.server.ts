import type { PrismaClient } from "@prisma/client";

import { recordAudit } from "../audit/audit.server.ts";

/**
 * Installations: one row per store, kept across uninstalls so the app knows when a store left, and
 * erased when Shopify sends shop/redact.
 */
export async function recordInstallation(
  db: PrismaClient,
  shop: string,
  scopes: string | undefined,
) {
  return db.shop.upsert({
    where: { shop },
    create: { shop, scopes: scopes ?? null },
    update: { scopes: scopes ?? null, uninstalledAt: null },
  });
}

/** Uninstall: access tokens become worthless, so every session of the shop goes. */
export async function recordUninstall(db: PrismaClient, shop: string, at: Date = new Date()) {
  await db.$transaction([
    db.session.deleteMany({ where: { shop } }),
    db.shop.updateMany({ where: { shop }, data: { uninstalledAt: at } }),
  ]);
}

/** The merchant granted or revoked optional scopes: the stored sessions must say what is current. */
export async function recordScopesUpdate(db: PrismaClient, shop: string, scopes: string[]) {
  const scope = scopes.join(",");
  await db.$transaction([
    db.session.updateMany({ where: { shop }, data: { scope } }),
    db.shop.updateMany({ where: { shop }, data: { scopes: scope } }),
  ]);
}

/**
 * shop/redact: everything Photo Studio holds about the store goes, but for the audit record of
 * the erasure itself (counts only). Later capabilities add their own erasure here, so this stays
 * the single place to look. Deleting a
 * job cascades to its items, variants and write-backs; the explicit deletes catch any row whose
 * job is already gone.
 */
export async function eraseShop(db: PrismaClient, shop: string) {
  const [sessions, shops, , , , jobs, transitions, tasks] = await db.$transaction([
    db.session.deleteMany({ where: { shop } }),
    db.shop.deleteMany({ where: { shop } }),
    db.writeBack.deleteMany({ where: { shop } }),
    db.variant.deleteMany({ where: { shop } }),
    db.jobItem.deleteMany({ where: { shop } }),
    db.job.deleteMany({ where: { shop } }),
    db.jobTransition.deleteMany({ where: { shop } }),
    db.queueTask.deleteMany({ where: { shop } }),
    db.predictionLedgerEntry.deleteMany({ where: { shop } }),
    db.productWriteLock.deleteMany({ where: { shop } }),
    db.shopSettings.deleteMany({ where: { shop } }),
    db.savedRecipe.deleteMany({ where: { shop } }),
    db.imageFacts.deleteMany({ where: { shop } }),
    db.creditAccount.deleteMany({ where: { shop } }),
    db.creditLedgerEntry.deleteMany({ where: { shop } }),
    db.shopBilling.deleteMany({ where: { shop } }),
    db.auditEvent.deleteMany({ where: { shop } }),
  ]);
  const erased = {
    sessions: sessions.count,
    shops: shops.count,
    jobs: jobs.count,
    jobTransitions: transitions.count,
    queueTasks: tasks.count,
  };
  // The one row that outlives the shop: proof that the erasure happened, with counts only. A
  // repeated shop/redact replaces it (the delete above), so there is never more than one.
  await recordAudit(db, shop, { action: "shop.erased", actor: "system", details: erased });
  return erased;
}
