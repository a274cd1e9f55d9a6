/**
 * The review page's data: one job's items with signed links to their original and result
 * thumbnails, what a regenerate or an erase would cost, and the shop's credits. The detail view's
 * larger previews are signed when it opens (`reviewPreviews`): a link is about 200 bytes, sent twice
 * (in the HTML and in the page's data), and 120 preview links nobody opens were half the page. Built on the job engine's listing
 * (app/jobs/listing.server.ts); another shop's job answers null, exactly like a missing one.
 */
import type { PrismaClient } from "@prisma/client";

import { ERASE_CREDIT_COST, formatCredits, regenerateCreditCost } from "~/billing/costs";
import { creditSummary } from "~/billing/ledger.server";
import { reviewItems } from "~/jobs/listing.server";
import type { Recipe } from "~/jobs/recipe";
import type { ItemState } from "~/jobs/states";

import { itemErrorWords, type ItemErrorWords } from "./error-words";
import type { ReviewFilter } from "./filters";
import { imageLink } from "./links.server";

/** Tiles per page: enough to review a product range at a glance (nine rows of four), few enough
 * that the page paints in well under a second: each tile is about 2.3 KB of HTML and data. */
export const REVIEW_PAGE_SIZE = 36;

export { REVIEW_FILTERS, type ReviewFilter } from "./filters";

/** What each filter shows: approved results include those being or already written. */
const FILTER_STATES: Record<Exclude<ReviewFilter, "all">, ItemState[]> = {
  ready_for_review: ["ready_for_review"],
  approved: ["approved", "writing", "written"],
  written: ["written", "restored"],
  failed: ["failed"],
  canceled: ["canceled"],
};

export interface ReviewImage {
  thumb: string;
}

/** The detail view's images: previews about 1200 px wide (app/storage/thumbnails.server.ts). */
export interface ReviewPreviews {
  original: string | null;
  result: string | null;
}

export interface ReviewTile {
  id: string;
  productId: string;
  productTitle: string;
  status: string;
  position: number;
  error: ItemErrorWords | null;
  original: ReviewImage | null;
  result:
    | (ReviewImage & {
        variantId: string;
        width: number;
        height: number;
        origin: string;
        prompt: string | null;
        altText: string | null;
        notes: string[];
      })
    | null;
  /** Width over height of what the tile shows, so its box is reserved before images load. */
  aspectRatio: number;
}

export interface ReviewView {
  job: {
    id: string;
    status: string;
    summary: string;
    /** A scene job takes an edited prompt on regenerate; other recipes regenerate as they are. */
    scene: boolean;
    scenePrompt: string | null;
  };
  tiles: ReviewTile[];
  nextCursor: string | null;
  costs: {
    /** Null when the job's recipe can no longer be read, so it cannot be run again. */
    regenerate: { credits: number; label: string } | null;
    erase: { credits: number; label: string };
  };
  credits: { available: number };
}

function scenePromptOf(recipe: Recipe | null): string | null {
  return recipe?.background.kind === "scene" ? (recipe.background.prompt ?? null) : null;
}

export async function reviewView(
  db: PrismaClient,
  shop: string,
  jobId: string,
  { cursor, status }: { cursor?: string; status?: ReviewFilter } = {},
  now = Date.now(),
): Promise<ReviewView | null> {
  const [page, balance] = await Promise.all([
    reviewItems(db, shop, jobId, {
      take: REVIEW_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
      ...(status && status !== "all" ? { status: FILTER_STATES[status] } : {}),
    }),
    // The summary also grants this period's included credits, so the first visit of a month
    // shows them.
    creditSummary(db, shop, new Date(now)),
  ]);
  if (!page?.job) return null;
  const recipe = page.job.recipe;
  const regenerate = recipe ? regenerateCreditCost(recipe) : null;
  const tiles = page.items.map((item): ReviewTile => {
    const variant = item.variant;
    const original: ReviewImage | null = item.originalKey
      ? { thumb: imageLink(shop, item.originalKey, "thumb", now) }
      : item.sourceUrl
        ? { thumb: item.sourceUrl }
        : null;
    return {
      id: item.id,
      productId: item.productId,
      productTitle: item.productTitle || "Untitled product",
      status: item.status,
      position: item.position,
      error: item.status === "failed" ? itemErrorWords(item.errorCode, item.lastError) : null,
      original,
      result: variant
        ? {
            variantId: variant.id,
            thumb: imageLink(shop, variant.storageKey, "thumb", now),
            width: variant.width,
            height: variant.height,
            origin: variant.origin,
            prompt: variant.prompt ?? null,
            altText: variant.altText ?? null,
            notes: variant.notes ?? [],
          }
        : null,
      aspectRatio:
        variant && variant.width > 0 && variant.height > 0 ? variant.width / variant.height : 1,
    };
  });
  return {
    job: {
      id: page.job.id,
      status: page.job.status,
      summary: page.job.summary,
      scene: recipe?.background.kind === "scene",
      scenePrompt: scenePromptOf(recipe),
    },
    tiles,
    nextCursor: page.nextCursor ?? null,
    costs: {
      regenerate:
        regenerate === null ? null : { credits: regenerate, label: formatCredits(regenerate) },
      erase: { credits: ERASE_CREDIT_COST, label: formatCredits(ERASE_CREDIT_COST) },
    },
    credits: { available: balance.available },
  };
}

/**
 * Preview links for one item of one of the shop's jobs: its original and its latest result.
 * Another shop's item answers null, exactly like a missing one.
 */
export async function reviewPreviews(
  db: PrismaClient,
  shop: string,
  jobId: string,
  itemId: string,
  now = Date.now(),
): Promise<ReviewPreviews | null> {
  const item = await db.jobItem.findFirst({
    where: { id: itemId, jobId, shop },
    select: {
      originalKey: true,
      sourceUrl: true,
      variants: {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: 1,
        select: { storageKey: true },
      },
    },
  });
  if (!item) return null;
  const variant = item.variants[0];
  return {
    original: item.originalKey
      ? imageLink(shop, item.originalKey, "preview", now)
      : (item.sourceUrl ?? null),
    result: variant ? imageLink(shop, variant.storageKey, "preview", now) : null,
  };
}
