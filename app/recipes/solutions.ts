/**
 * Solutions: ready-made answers to a merchant's goal ("I sell on Amazon"), each a recipe plus
 * where the results go. Picking one fills the new-job form; the merchant can still change any
 * field before starting, and nothing is approved without review (auto-approve stays off).
 *
 * The featured ones are offered at the top of the new-job page; the others are what the catalog
 * health page's fix links ask for (`?solution=<id>`). Client-safe: types only from the recipe
 * module, whose schema checks every solution in tests/recipes/solutions.test.ts.
 */
import type { AddPosition, Recipe, WriteMode } from "../jobs/recipe.ts";

export interface Solution {
  id: string;
  name: string;
  summary: string;
  /** Shown in the picker at the top of the new-job page. */
  featured: boolean;
  recipe: Recipe;
  mode: WriteMode;
  position: AddPosition;
  autoApprove: false;
}

export const SOLUTIONS: readonly Solution[] = [
  {
    id: "amazon-seller",
    name: "Amazon seller",
    summary:
      "Pure white main images at Amazon's size, with alt text. Replaces the originals, which are kept.",
    featured: true,
    recipe: { preset: "amazon", background: { kind: "preset" }, altText: true },
    mode: "replace",
    position: "after-original",
    autoApprove: false,
  },
  {
    id: "social-media",
    name: "Social media",
    summary: "Square posts on a marble scene, added after your photos for sharing.",
    featured: true,
    recipe: {
      preset: "social-square",
      background: { kind: "scene", templateId: "marble" },
      altText: true,
    },
    mode: "add",
    position: "last",
    autoApprove: false,
  },
  {
    id: "etsy-handmade",
    name: "Etsy handmade",
    summary: "Etsy-sized photos on a warm wooden table, added beside each original.",
    featured: true,
    recipe: {
      preset: "etsy",
      background: { kind: "scene", templateId: "warm-wood" },
      altText: true,
    },
    mode: "add",
    position: "after-original",
    autoApprove: false,
  },
  {
    id: "ebay-seller",
    name: "eBay seller",
    summary: "eBay's size and quality, photo kept whole (no borders or marks), with alt text.",
    featured: true,
    recipe: { preset: "ebay", background: { kind: "preset" }, altText: true },
    mode: "replace",
    position: "after-original",
    autoApprove: false,
  },
  {
    id: "extra-scene",
    name: "Add a scene photo",
    summary: "A studio scene of each product, added as its last image.",
    featured: false,
    recipe: {
      preset: "shopify",
      background: { kind: "scene", templateId: "soft-grey" },
      altText: true,
    },
    mode: "add",
    position: "last",
    autoApprove: false,
  },
  {
    id: "upscale-small",
    name: "Upscale small photos",
    summary: "A 4× AI upscale, then your store's square format on white.",
    featured: false,
    recipe: { preset: "shopify", background: { kind: "preset" }, upscale: 4, altText: false },
    mode: "replace",
    position: "after-original",
    autoApprove: false,
  },
  {
    id: "upscale-medium",
    name: "Sharpen medium photos",
    summary: "A 2× AI upscale, then your store's square format on white.",
    featured: false,
    recipe: { preset: "shopify", background: { kind: "preset" }, upscale: 2, altText: false },
    mode: "replace",
    position: "after-original",
    autoApprove: false,
  },
  {
    id: "consistent-store",
    name: "Consistent store photos",
    summary: "Every photo in the same square frame on white, resized and compressed for the web.",
    featured: false,
    recipe: { preset: "shopify", background: { kind: "preset" }, altText: false },
    mode: "replace",
    position: "after-original",
    autoApprove: false,
  },
];

export function findSolution(id: string | null | undefined): Solution | null {
  return SOLUTIONS.find((solution) => solution.id === id) ?? null;
}

export const FEATURED_SOLUTIONS = SOLUTIONS.filter((solution) => solution.featured);
