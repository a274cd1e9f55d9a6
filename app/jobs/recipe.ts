/**
 * A job's recipe: what is done to every image. Stored as JSON on the job, parsed again by every
 * worker, so a recipe written by an older version is checked, not trusted: recipes stored before
 * backgrounds existed parse with the preset's own background.
 *
 * Client-safe (the recipe form validates with it): no server imports.
 */
import { z } from "zod";

import { SCENE_TEMPLATES } from "../ai/scene/templates.ts";
import { PRESET_IDS, PRESETS, type PresetId } from "../images/presets.ts";

export const backgroundSchema = z.discriminatedUnion("kind", [
  /** The preset's own background (white for every marketplace). */
  z.object({ kind: z.literal("preset") }),
  z.object({
    kind: z.literal("color"),
    color: z.string().regex(/^#[0-9a-f]{6}$/i, "Choose a colour like #f5f5f5."),
  }),
  /** The product placed in a studio scene: a template, a prompt, or both. */
  z.object({
    kind: z.literal("scene"),
    templateId: z.string().optional(),
    prompt: z
      .string()
      .trim()
      .max(500, "Keep the scene description under 500 characters.")
      .optional(),
  }),
]);

export type RecipeBackground = z.infer<typeof backgroundSchema>;

/**
 * Marketplaces whose main image must be pure white: another colour or a scene would be refused
 * there, so the recipe refuses it first, in words the merchant can act on.
 */
const WHITE_ONLY: Partial<Record<PresetId, string>> = {
  amazon:
    "Amazon requires a pure white background for main images. Choose the preset's background, " +
    "or a preset like Shopify or Social for coloured backgrounds and scenes.",
};

export const recipeSchema = z
  .object({
    /** The marketplace preset (framing, format, size); background removal is part of it. */
    preset: z.enum(PRESET_IDS),
    background: backgroundSchema.default({ kind: "preset" }),
    /** An AI upscale of the source before the preset, for small supplier photos. */
    upscale: z.union([z.literal(2), z.literal(4)]).optional(),
    /** Write alt text describing the result (the original's alt text is kept otherwise). */
    altText: z.boolean().default(false),
  })
  .superRefine((recipe, context) => {
    const { background } = recipe;
    if (background.kind === "preset") return;
    const preset = PRESETS[recipe.preset];
    const whiteOnly = WHITE_ONLY[recipe.preset];
    if (whiteOnly) {
      context.addIssue({ code: "custom", path: ["background"], message: whiteOnly });
    } else if (preset.frame.kind === "photo") {
      // eBay keeps the whole photo untouched (no cut-out, no borders): there is no background
      // of ours to change.
      context.addIssue({
        code: "custom",
        path: ["background"],
        message: `${preset.name}s keep the whole photo as it is, so the background cannot be changed. Choose another preset to change backgrounds.`,
      });
    }
    if (background.kind !== "scene") return;
    if (!background.templateId && !background.prompt) {
      context.addIssue({
        code: "custom",
        path: ["background", "templateId"],
        message: "Choose a scene template or describe the scene.",
      });
    }
    if (
      background.templateId &&
      !SCENE_TEMPLATES.some((template) => template.id === background.templateId)
    ) {
      context.addIssue({
        code: "custom",
        path: ["background", "templateId"],
        message: `There is no scene template "${background.templateId}". Choose one of: ${SCENE_TEMPLATES.map((template) => template.name).join(", ")}.`,
      });
    }
  });

export type Recipe = z.infer<typeof recipeSchema>;
export type RecipeInput = z.input<typeof recipeSchema>;

export const WRITE_MODES = ["replace", "add"] as const;
export type WriteMode = (typeof WRITE_MODES)[number];

/** Where an image added beside the original goes (mode "add"); replace keeps the original's place. */
export const ADD_POSITIONS = ["first", "after-original", "last"] as const;
export type AddPosition = (typeof ADD_POSITIONS)[number];

export function parseRecipe(json: string): Recipe {
  return recipeSchema.parse(JSON.parse(json));
}

const PRESET_LABELS: Record<PresetId, string> = {
  amazon: "Amazon",
  etsy: "Etsy",
  ebay: "eBay",
  temu: "Temu",
  shopify: "Shopify",
  "social-square": "Social square",
  "social-story": "Social story",
};

function describeBackground(recipe: Recipe): string {
  const { background } = recipe;
  switch (background.kind) {
    case "preset":
      return PRESETS[recipe.preset].frame.kind === "photo"
        ? "original background"
        : "white background";
    case "color":
      return `${background.color.toLowerCase()} background`;
    case "scene": {
      const template = SCENE_TEMPLATES.find((t) => t.id === background.templateId);
      if (background.prompt) return `scene: “${truncate(background.prompt, 40)}”`;
      return `${template?.name ?? "studio"} scene`;
    }
  }
}

function truncate(text: string, length: number) {
  return text.length <= length ? text : `${text.slice(0, length - 1).trimEnd()}…`;
}

/** One line for lists and headings: "Amazon · white background · 2× upscale · alt text". */
export function describeRecipe(recipe: Recipe): string {
  return [
    PRESET_LABELS[recipe.preset],
    describeBackground(recipe),
    recipe.upscale ? `${recipe.upscale}× upscale` : null,
    recipe.altText ? "alt text" : null,
  ]
    .filter(Boolean)
    .join(" · ");
}
