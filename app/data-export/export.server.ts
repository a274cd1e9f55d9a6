/**
 * The merchant's data as one JSON download: jobs with their items, results and writes, the credit
 * ledger, settings, saved recipes and the audit log. It is what Photo Studio knows about the
 * store, in plain fields; no session, access token or storage key is included (storage keys are
 * internal names; whether a file is still kept is said as a yes/no instead).
 */
import type { PrismaClient } from "@prisma/client";

import { auditLog, type AuditEventView } from "../audit/audit.server.ts";
import { getShopSettings } from "../settings/shop-settings.server.ts";

export const EXPORT_FORMAT = "photo-studio-export";
export const EXPORT_VERSION = 1;

function parsed(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

/** `photo-studio-export-<shop>-<yyyy-mm-dd>.json` (UTC date). */
export function exportFileName(shop: string, at: Date = new Date()) {
  const name = shop.toLowerCase().replace(/[^a-z0-9.-]/g, "-");
  return `photo-studio-export-${name}-${at.toISOString().slice(0, 10)}.json`;
}

async function wholeAuditLog(db: PrismaClient, shop: string) {
  const events: AuditEventView[] = [];
  let cursor: string | null = null;
  do {
    const page = await auditLog(db, shop, { take: 500, cursor });
    events.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor);
  return events;
}

export async function exportShopData(db: PrismaClient, shop: string, now: Date = new Date()) {
  const [settings, jobs, account, ledger, recipes, audit] = await Promise.all([
    getShopSettings(db, shop),
    db.job.findMany({
      where: { shop },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      include: {
        items: {
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
          include: {
            variants: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
            writeBacks: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
          },
        },
      },
    }),
    db.creditAccount.findUnique({ where: { shop } }),
    db.creditLedgerEntry.findMany({
      where: { shop },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    }),
    db.savedRecipe.findMany({ where: { shop }, orderBy: { name: "asc" } }),
    wholeAuditLog(db, shop),
  ]);
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    shop,
    exportedAt: now.toISOString(),
    settings,
    jobs: jobs.map((job) => ({
      id: job.id,
      createdAt: job.createdAt,
      status: job.status,
      mode: job.mode,
      autoApprove: job.autoApprove,
      recipe: parsed(job.recipe),
      selection: parsed(job.selection),
      intake: job.intake,
      intakeError: job.intakeError,
      skipped: parsed(job.skipped),
      counts: {
        items: job.itemCount,
        done: job.doneCount,
        written: job.writtenCount,
        failed: job.failedCount,
        canceled: job.canceledCount,
      },
      canceledAt: job.canceledAt,
      items: job.items.map((item) => ({
        id: item.id,
        productId: item.productId,
        productTitle: item.productTitle,
        mediaId: item.mediaId,
        sourceUrl: item.sourceUrl,
        alt: item.alt,
        position: item.position,
        status: item.status,
        errorCode: item.errorCode,
        lastError: item.lastError,
        attempts: item.attempts,
        createdAt: item.createdAt,
        startedAt: item.startedAt,
        finishedAt: item.finishedAt,
        originalStored: item.originalKey !== null,
        results: item.variants.map((variant) => ({
          id: variant.id,
          width: variant.width,
          height: variant.height,
          format: variant.format,
          bytes: variant.bytes,
          altText: variant.altText,
          notes: parsed(variant.notes),
          review: variant.review,
          reviewedAt: variant.reviewedAt,
          origin: variant.origin,
          prompt: variant.prompt,
          stored: variant.review !== "expired",
          createdAt: variant.createdAt,
        })),
        writes: item.writeBacks.map((write) => ({
          id: write.id,
          resultId: write.variantId,
          productId: write.productId,
          originalMediaId: write.originalMediaId,
          newMediaId: write.newMediaId,
          mode: write.mode,
          method: write.method,
          state: write.state,
          lastError: write.lastError,
          createdAt: write.createdAt,
          writtenAt: write.writtenAt,
          restoredAt: write.restoredAt,
        })),
      })),
    })),
    credits: {
      available: account?.available ?? 0,
      held: account?.held ?? 0,
      ledger: ledger.map((entry) => ({
        id: entry.id,
        kind: entry.kind,
        amount: entry.amount,
        source: entry.source,
        jobId: entry.jobId,
        jobItemId: entry.jobItemId,
        description: entry.description,
        expiresAt: entry.expiresAt,
        createdAt: entry.createdAt,
      })),
    },
    savedRecipes: recipes.map((recipe) => ({
      id: recipe.id,
      name: recipe.name,
      recipe: parsed(recipe.recipe),
      mode: recipe.mode,
      autoApprove: recipe.autoApprove,
      createdAt: recipe.createdAt,
      updatedAt: recipe.updatedAt,
    })),
    auditLog: audit.map((event) => ({
      id: event.id,
      at: event.at,
      action: event.action,
      actor: event.actor,
      subjectType: event.subjectType,
      subjectId: event.subjectId,
      details: event.details,
    })),
  };
}

export type ShopExport = Awaited<ReturnType<typeof exportShopData>>;
