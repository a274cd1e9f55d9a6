/**
 * Where a job puts its results, as the new-job form and saved recipes offer it. The browser
 * imports this file for the form's choices, so it imports only types: the recipe module pulls in
 * the image engine (sharp) through the preset table.
 */
import type { AddPosition, WriteMode } from "../jobs/recipe.ts";

export const WRITE_MODE_CHOICES = ["replace", "add"] as const satisfies readonly WriteMode[];

export const WRITE_MODE_LABELS: Readonly<Record<WriteMode, string>> = {
  replace: "Replace the original (kept, so you can restore it)",
  add: "Add beside the original",
};

/** Where an added result goes among the product's media ("add" mode only): ADD_POSITIONS. */
export const WRITE_POSITIONS = [
  "first",
  "after-original",
  "last",
] as const satisfies readonly AddPosition[];
export type WritePosition = AddPosition;

export const WRITE_POSITION_LABELS: Readonly<Record<WritePosition, string>> = {
  first: "First (becomes the featured image)",
  "after-original": "Right after the original",
  last: "Last",
};

export const UPSCALE_CHOICES = ["none", "2", "4"] as const;
