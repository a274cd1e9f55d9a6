/**
 * Filling in alt text across the catalog (or a selection of it) without touching the photos: each
 * image gets alt text from the AI provider (product data plus what the picture shows: Replicate's
 * captioner, or measured colours offline) written onto the media with fileUpdate. Images that
 * already have alt text keep it unless the merchant asked to overwrite.
 *
 * Like the audit, it runs beside the request that started it with its progress in its row
 * (AltTextFillRun): every write is the same text again if repeated, so a run cut short by a
 * restart is simply started again, and images written meanwhile are then skipped as filled.
 */
import type { PrismaClient } from "@prisma/client";
import sharp from "sharp";

import type { AiProvider } from "../ai/provider.ts";
import { ALT_TEXT_FILL_CREDIT_COST } from "../billing/costs.ts";
import { chargeCredits, InsufficientCreditsError } from "../billing/ledger.server.ts";
import { renditionUrl } from "../catalog/image-facts.server.ts";
import type { AdminClient } from "../shopify/admin-types.ts";
import { listSelectedImages, type ProductSelection } from "../shopify/catalog.server.ts";
import { downloadImage, type DownloadOptions } from "../shopify/image-download.server.ts";
import { updateMediaFile } from "../shopify/product-media.server.ts";

export interface AltTextFillDeps {
  db: PrismaClient;
  admin: AdminClient;
  provider: AiProvider;
  download?: (url: string, options: DownloadOptions) => Promise<Buffer>;
}

export interface AltTextFillRequest {
  /** Product ids; empty means the whole catalog. */
  productIds: string[];
  overwrite: boolean;
}

/** Captioning models see at most 768 px; the CDN's rendition is all there is to download. */
const CAPTION_SIDE = 768;
const DOWNLOAD: DownloadOptions = { maxBytes: 10_000_000, timeoutMs: 20_000, retries: 1 };
/** Shopify's limit for a media's alt text. */
const ALT_LIMIT = 512;
/** Images captioned at once: the provider's own concurrency limits still apply. */
const CONCURRENCY = 3;

const MIME_TYPES: Record<string, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  avif: "image/avif",
};

type Counts = { written: number; skipped: number; failed: number; credits: number };

/** Writes alt text for the run's images; answers the final counts. */
export async function runAltTextFill(deps: AltTextFillDeps, shop: string, runId: string) {
  const run = await deps.db.altTextFillRun.findFirst({ where: { id: runId, shop } });
  if (!run || run.status !== "running") return null;
  const productIds = JSON.parse(run.productIds) as string[];
  const selection: ProductSelection = productIds.length > 0 ? { productIds } : { query: "" };
  const counts: Counts = { written: 0, skipped: 0, failed: 0, credits: 0 };
  const save = (data: Record<string, unknown>) =>
    deps.db.altTextFillRun.updateMany({ where: { id: runId, shop }, data });
  try {
    const { images } = await listSelectedImages(deps.admin, selection);
    await save({ total: images.length });
    let outOfCredits = false;
    for (let start = 0; start < images.length; start += CONCURRENCY) {
      await Promise.all(
        images.slice(start, start + CONCURRENCY).map(async (image) => {
          if (image.alt?.trim() && !run.overwrite) {
            counts.skipped += 1;
            return;
          }
          if (outOfCredits) {
            counts.failed += 1;
            return;
          }
          try {
            const alt = await describe(deps, image);
            if (ALT_TEXT_FILL_CREDIT_COST > 0) {
              await chargeCredits(deps.db, shop, {
                jobId: `alt-text-fill:${runId}`,
                jobItemId: image.mediaId,
                amount: ALT_TEXT_FILL_CREDIT_COST,
                idempotencyKey: `alt-text-fill:${runId}:${image.mediaId}`,
                description: "Alt text",
              });
              counts.credits += ALT_TEXT_FILL_CREDIT_COST;
            }
            const { userErrors } = await updateMediaFile(deps.admin, {
              id: image.mediaId,
              alt,
            });
            if (userErrors.length > 0) counts.failed += 1;
            else counts.written += 1;
          } catch (error) {
            if (error instanceof InsufficientCreditsError) outOfCredits = true;
            counts.failed += 1;
          }
        }),
      );
      await save({ ...counts });
    }
    await save({
      ...counts,
      status: "completed",
      finishedAt: new Date(),
      error: outOfCredits ? "Your credits ran out before every image had alt text." : null,
    });
  } catch {
    await save({
      ...counts,
      status: "failed",
      finishedAt: new Date(),
      error: "Shopify did not send the selected products just now. Try again in a few minutes.",
    });
  }
  return counts;
}

async function describe(
  deps: AltTextFillDeps,
  image: { url: string; productTitle: string; productType: string; vendor: string },
): Promise<string> {
  const download = deps.download ?? downloadImage;
  const bytes = await download(renditionUrl(image.url, CAPTION_SIDE), DOWNLOAD);
  const { format } = await sharp(bytes).metadata();
  const alt = await deps.provider.altText({
    image: { bytes, mimeType: MIME_TYPES[format ?? ""] ?? "image/jpeg" },
    product: { title: image.productTitle, productType: image.productType, vendor: image.vendor },
  });
  return alt.slice(0, ALT_LIMIT);
}

/** Starts a fill, or answers the one already running for the shop. */
export async function startAltTextFill(
  deps: AltTextFillDeps,
  shop: string,
  request: AltTextFillRequest,
  background: (work: Promise<unknown>) => void = (work) => void work.catch(() => {}),
): Promise<{ runId: string; started: boolean }> {
  const running = await deps.db.altTextFillRun.findFirst({
    where: { shop, status: "running", createdAt: { gt: new Date(Date.now() - 30 * 60_000) } },
    orderBy: { createdAt: "desc" },
  });
  if (running) return { runId: running.id, started: false };
  const run = await deps.db.altTextFillRun.create({
    data: { shop, overwrite: request.overwrite, productIds: JSON.stringify(request.productIds) },
  });
  background(runAltTextFill(deps, shop, run.id));
  return { runId: run.id, started: true };
}

export interface AltTextFillView {
  id: string;
  status: "running" | "completed" | "failed";
  overwrite: boolean;
  total: number;
  written: number;
  skipped: number;
  failed: number;
  error: string | null;
}

/** The shop's latest fill, for the page. */
export async function latestAltTextFill(
  db: PrismaClient,
  shop: string,
): Promise<AltTextFillView | null> {
  const run = await db.altTextFillRun.findFirst({
    where: { shop },
    orderBy: { createdAt: "desc" },
  });
  if (!run) return null;
  const stale = run.status === "running" && run.createdAt.getTime() < Date.now() - 30 * 60_000;
  return {
    id: run.id,
    status: stale ? "failed" : (run.status as AltTextFillView["status"]),
    overwrite: run.overwrite,
    total: run.total,
    written: run.written,
    skipped: run.skipped,
    failed: run.failed,
    error: stale ? "The fill stopped before it finished. Start it again." : run.error,
  };
}
