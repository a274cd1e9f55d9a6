/**
 * What the "Your data" page shows: how much is stored, how long it is kept, what can be deleted
 * (jobs and products, by name), and the recent audit log.
 */
import type { PrismaClient } from "@prisma/client";

import { auditLog } from "../audit/audit.server.ts";
import { auditActionLabel } from "../audit/words.ts";
import { describeRecipe, parseRecipe } from "../jobs/recipe.ts";
import { getShopSettings } from "../settings/shop-settings.server.ts";

/** How many jobs and products the page offers for deletion (the newest). */
export const DATA_PAGE_CHOICES = 250;

function jobLabel(job: { createdAt: Date; recipe: string; itemCount: number }) {
  let summary = "Job";
  try {
    summary = describeRecipe(parseRecipe(job.recipe));
  } catch {
    // A recipe from an older version still names the job by date and size.
  }
  const images = job.itemCount === 1 ? "1 image" : `${job.itemCount} images`;
  return `${job.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC · ${summary} · ${images}`;
}

export async function dataPageView(db: PrismaClient, shop: string) {
  const [settings, jobs, products, jobCount, originals, results, audit] = await Promise.all([
    getShopSettings(db, shop),
    db.job.findMany({
      where: { shop },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: DATA_PAGE_CHOICES,
      select: { id: true, createdAt: true, recipe: true, itemCount: true },
    }),
    db.jobItem.findMany({
      where: { shop },
      distinct: ["productId"],
      orderBy: [{ productId: "asc" }],
      take: DATA_PAGE_CHOICES,
      select: { productId: true, productTitle: true },
    }),
    db.job.count({ where: { shop } }),
    db.jobItem.count({ where: { shop, originalKey: { not: null } } }),
    db.variant.count({ where: { shop, review: { not: "expired" } } }),
    auditLog(db, shop, { take: 20 }),
  ]);
  return {
    retention: {
      retentionDays: settings.retentionDays,
      resultRetentionDays: settings.resultRetentionDays,
    },
    counts: { jobs: jobCount, originals, results },
    jobs: jobs.map((job) => ({ value: job.id, label: jobLabel(job) })),
    products: products
      .map((product) => ({
        value: product.productId,
        label: product.productTitle || "Untitled product",
      }))
      .sort((a, b) => a.label.localeCompare(b.label)),
    audit: audit.events.map((event) => ({
      id: event.id,
      at: event.at.toISOString(),
      label: auditActionLabel(event.action),
      actor: event.actor,
      details: event.details,
    })),
  };
}

export type DataPageView = Awaited<ReturnType<typeof dataPageView>>;
