/**
 * Running a catalog health audit: read the catalog page by page, look at the pixels of images not
 * yet in ImageFacts (the product filters' cache, with its small renditions and download limits),
 * sort the products into defect groups and store the score in a CatalogAuditRun.
 *
 * The audit runs in the web process beside the request that started it, not on the job queue: it
 * only reads (Shopify and our cache), so a process that dies mid-audit loses nothing but the run,
 * which the page then shows as stopped and the merchant starts again in one click. The run's row
 * carries its progress, and the page polls it while it runs.
 */
import type { PrismaClient } from "@prisma/client";

import { imageFacts, renditionUrl, type ImageFactsDeps } from "../catalog/image-facts.server.ts";
import type { AdminClient } from "../shopify/admin-types.ts";

import {
  auditCatalog,
  DEFAULT_MIN_IMAGES,
  type AuditProduct,
  type AuditResult,
} from "./audit-groups.ts";
import { readCatalogPages, type ReadOptions } from "./catalog-read.server.ts";

export interface AuditDeps {
  db: PrismaClient;
  admin: AdminClient;
  download?: ImageFactsDeps["download"];
}

export interface AuditOptions {
  minImages: number;
}

/** A run still "running" after this long belongs to a process that stopped. */
export const STALE_RUN_MS = 15 * 60_000;
/** The side of the example thumbnails, asked of Shopify's CDN. */
const THUMBNAIL_SIDE = 120;

/** Reads, looks and sorts; answers the result without storing it. */
export async function auditShopCatalog(
  deps: AuditDeps,
  shop: string,
  options: AuditOptions,
  onProgress: (productsRead: number) => Promise<void> = async () => {},
  readOptions: ReadOptions = {},
): Promise<AuditResult> {
  const products: AuditProduct[] = [];
  await readCatalogPages(
    deps.admin,
    async (page) => {
      const facts = await imageFacts(
        { db: deps.db, download: deps.download },
        shop,
        page.flatMap((product) =>
          product.images.map((image) => ({
            productId: product.id,
            mediaId: image.mediaId,
            url: image.url,
            width: image.width,
            height: image.height,
          })),
        ),
      );
      for (const product of page) {
        products.push({
          id: product.id,
          title: product.title,
          handle: product.handle,
          images: product.images.map((image) => ({
            mediaId: image.mediaId,
            url: image.url,
            alt: image.alt,
            width: image.width ?? 0,
            height: image.height ?? 0,
            bytes: image.bytes,
            whiteBackground: facts.get(image.mediaId)?.whiteBackground ?? null,
          })),
        });
      }
      await onProgress(products.length);
    },
    readOptions,
  );
  return auditCatalog(products, {
    minImages: options.minImages,
    thumbnail: (url) => renditionUrl(url, THUMBNAIL_SIDE),
  });
}

/** Runs the audit into its row: progress as it goes, the result or a plain failure at the end. */
export async function runAudit(deps: AuditDeps, shop: string, runId: string) {
  const run = await deps.db.catalogAuditRun.findFirst({ where: { id: runId, shop } });
  if (!run || run.status !== "running") return;
  const options = parseOptions(run.options);
  try {
    const result = await auditShopCatalog(deps, shop, options, async (productsRead) => {
      await deps.db.catalogAuditRun.updateMany({
        where: { id: runId, shop },
        data: { productCount: productsRead },
      });
    });
    await deps.db.catalogAuditRun.updateMany({
      where: { id: runId, shop },
      data: {
        status: "completed",
        score: result.score,
        productCount: result.productCount,
        imageCount: result.imageCount,
        groups: JSON.stringify(result),
        finishedAt: new Date(),
      },
    });
  } catch (error) {
    await deps.db.catalogAuditRun.updateMany({
      where: { id: runId, shop },
      data: { status: "failed", error: failureWords(error), finishedAt: new Date() },
    });
  }
}

function failureWords(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "UNAUTHORIZED" || code === "ACCESS_DENIED") {
    return "Photo Studio is no longer allowed to read your products. Open it from your Shopify admin to grant access again.";
  }
  return "Shopify did not send your catalog just now. Start the check again in a few minutes.";
}

export function parseOptions(stored: string): AuditOptions {
  try {
    const parsed = JSON.parse(stored) as Partial<AuditOptions>;
    const minImages = Number(parsed.minImages);
    return {
      minImages: Number.isInteger(minImages) && minImages >= 1 ? minImages : DEFAULT_MIN_IMAGES,
    };
  } catch {
    return { minImages: DEFAULT_MIN_IMAGES };
  }
}

/**
 * Starts an audit for the shop, or answers the one already running (a second click, another tab).
 * `background` receives the running audit; the route leaves it running, a test awaits it.
 */
export async function startAudit(
  deps: AuditDeps,
  shop: string,
  options: AuditOptions,
  background: (work: Promise<void>) => void = (work) => void work.catch(() => {}),
): Promise<{ runId: string; started: boolean }> {
  const running = await deps.db.catalogAuditRun.findFirst({
    where: { shop, status: "running", createdAt: { gt: new Date(Date.now() - STALE_RUN_MS) } },
    orderBy: { createdAt: "desc" },
  });
  if (running) return { runId: running.id, started: false };
  const run = await deps.db.catalogAuditRun.create({
    data: { shop, options: JSON.stringify(options) },
  });
  background(runAudit(deps, shop, run.id));
  return { runId: run.id, started: true };
}
