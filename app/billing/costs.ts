/**
 * What each operation costs, in credits: the one price list the new-job page, the bulk action,
 * the review page and the ledger all read, so a merchant is charged exactly what was shown.
 *
 * Standard edits (crop, pad, resize, format, a preset's framing, alt text written by the local
 * model) run on our own machines and are free. Every step that calls an AI model costs credits,
 * because every one costs us money at the provider.
 *
 * This module is imported by the browser (cost previews), so it imports nothing that pulls in
 * server code: the preset table (which loads sharp) is mirrored below for the one flag costs need,
 * and tests/billing/costs.test.ts fails if the mirror drifts from `PRESETS`.
 */
import type { PresetId } from "../images/presets.ts";
import type { Recipe } from "../jobs/recipe.ts";

export type CreditOperation =
  "remove-background" | "upscale" | "scene" | "erase" | "alt-text" | "edit";

export const CREDIT_COSTS: Readonly<Record<CreditOperation, number>> = {
  "remove-background": 1,
  upscale: 1,
  // The scene includes its own cut-out: the product is separated once and placed in the scene.
  scene: 2,
  erase: 1,
  "alt-text": 0,
  edit: 0,
};

/** The magic eraser on one image. */
export const ERASE_CREDIT_COST = CREDIT_COSTS.erase;

/** `PRESETS[id].removeBackground`, mirrored so the browser bundle does not load the image engine. */
export const PRESET_REMOVES_BACKGROUND: Readonly<Record<PresetId, boolean>> = {
  amazon: true,
  etsy: true,
  ebay: false,
  temu: true,
  shopify: true,
  "social-square": true,
  "social-story": true,
};

export interface CostLine {
  operation: CreditOperation;
  label: string;
  credits: number;
}

export interface RecipeCost {
  /** Credits per source image. */
  perImage: number;
  /** Every step of the recipe, free ones included, so the preview explains the total. */
  lines: CostLine[];
}

const line = (operation: CreditOperation, label: string): CostLine => ({
  operation,
  label,
  credits: CREDIT_COSTS[operation],
});

export function recipeCreditCost(recipe: Recipe): RecipeCost {
  const lines: CostLine[] = [line("edit", "Crop, pad, resize and format for the preset")];
  const background = recipe.background;
  if (background.kind === "scene") {
    lines.push(line("scene", "AI scene background"));
  } else if (PRESET_REMOVES_BACKGROUND[recipe.preset] || background.kind === "color") {
    // A new background colour needs the product cut out first, even on a preset that keeps photos.
    lines.push(line("remove-background", "AI background removal"));
  }
  if (recipe.upscale) lines.push(line("upscale", `AI upscale ${recipe.upscale}×`));
  if (recipe.altText) lines.push(line("alt-text", "Alt text"));
  return { perImage: lines.reduce((sum, l) => sum + l.credits, 0), lines };
}

/**
 * Alt text written onto existing catalog images without editing them (the catalog health page's
 * fill): the alt-text step alone, per image that gets new alt text.
 */
export const ALT_TEXT_FILL_CREDIT_COST = CREDIT_COSTS["alt-text"];

export function altTextFillCreditCost(imageCount: number): number {
  return ALT_TEXT_FILL_CREDIT_COST * imageCount;
}

/** A regenerate runs the recipe's AI steps again; the free edits cost nothing either time. */
export function regenerateCreditCost(recipe: Recipe): number {
  return recipeCreditCost(recipe).lines.reduce((sum, l) => sum + l.credits, 0);
}

const countFormat = new Intl.NumberFormat("en-US");

/** "Free", "1 credit", "1,200 credits": the one way credits are written everywhere. */
export function formatCredits(credits: number): string {
  if (credits === 0) return "Free";
  return `${countFormat.format(credits)} ${Math.abs(credits) === 1 ? "credit" : "credits"}`;
}
