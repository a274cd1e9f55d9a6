/**
 * A job's recipe: what is done to every image. Stored as JSON on the job, parsed again by every
 * worker, so a recipe written by an older version is checked, not trusted.
 */
import { z } from "zod";

import { PRESET_IDS } from "../images/presets.ts";

export const recipeSchema = z.object({
  /** The marketplace preset (framing, background, format); background removal is part of it. */
  preset: z.enum(PRESET_IDS),
  /** An AI upscale of the source before the preset, for small supplier photos. */
  upscale: z.union([z.literal(2), z.literal(4)]).optional(),
  /** Write alt text describing the result (the original's alt text is kept otherwise). */
  altText: z.boolean().default(false),
});

export type Recipe = z.infer<typeof recipeSchema>;

export const WRITE_MODES = ["replace", "add"] as const;
export type WriteMode = (typeof WRITE_MODES)[number];

export function parseRecipe(json: string): Recipe {
  return recipeSchema.parse(JSON.parse(json));
}
