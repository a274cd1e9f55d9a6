/**
 * The new-job form as data: its fields read from a submitted form, checked with the recipe's own
 * schema, and every problem keyed by the form field that shows it (Polaris `error=` props), so a
 * 422 answer maps straight onto the page.
 */
import { z } from "zod";

import { SCENE_TEMPLATES } from "../ai/scene/templates.ts";
import { recipeSchema, type Recipe } from "../jobs/recipe.ts";

import { WRITE_MODE_CHOICES, WRITE_POSITIONS, type WritePosition } from "./write-options.ts";

export type FieldErrors = Record<string, string>;

export interface RecipeFormValues {
  recipe: Recipe;
  mode: (typeof WRITE_MODE_CHOICES)[number];
  position: WritePosition;
  autoApprove: boolean;
}

export type FormResult<T> = { ok: true; value: T } | { ok: false; fieldErrors: FieldErrors };

const checkbox = z
  .union([z.literal("on"), z.literal("true"), z.literal("false"), z.literal("")])
  .optional()
  .transform((value) => value === "on" || value === "true");

const formSchema = z.object({
  preset: z.string({ required_error: "Choose a marketplace preset." }),
  backgroundKind: z.enum(["preset", "color", "scene"], {
    errorMap: () => ({ message: "Choose a background." }),
  }),
  backgroundColor: z.string().optional(),
  sceneTemplate: z.string().optional(),
  scenePrompt: z.string().optional(),
  upscale: z.enum(["none", "2", "4"], {
    errorMap: () => ({ message: "Choose no upscale, 2× or 4×." }),
  }),
  altText: checkbox,
  mode: z.enum(WRITE_MODE_CHOICES, {
    errorMap: () => ({
      message: "Choose whether results replace the originals or go beside them.",
    }),
  }),
  position: z
    .enum(WRITE_POSITIONS, { errorMap: () => ({ message: "Choose where the new image goes." }) })
    .optional(),
  autoApprove: checkbox,
});

/** Where a recipe problem is shown on the form. */
const FIELD_FOR_PATH: Record<string, string> = {
  "background.color": "backgroundColor",
  "background.templateId": "sceneTemplate",
  "background.prompt": "scenePrompt",
};

function fieldFor(path: Array<string | number>): string {
  const joined = path.join(".");
  return FIELD_FOR_PATH[joined] ?? String(path[0] ?? "form");
}

export function zodFieldErrors(error: z.ZodError, mapPath = fieldFor): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = mapPath(issue.path);
    errors[field] ??= issue.message;
  }
  return errors;
}

function text(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === "string" ? value : undefined;
}

/** The recipe, write-back mode and approval choice a submitted new-job form asks for. */
export function parseRecipeForm(form: FormData): FormResult<RecipeFormValues> {
  const parsed = formSchema.safeParse({
    preset: text(form, "preset"),
    backgroundKind: text(form, "backgroundKind"),
    backgroundColor: text(form, "backgroundColor"),
    sceneTemplate: text(form, "sceneTemplate"),
    scenePrompt: text(form, "scenePrompt"),
    upscale: text(form, "upscale") ?? "none",
    altText: text(form, "altText"),
    mode: text(form, "mode"),
    position: text(form, "position") || undefined,
    autoApprove: text(form, "autoApprove"),
  });
  if (!parsed.success) return { ok: false, fieldErrors: zodFieldErrors(parsed.error) };
  const values = parsed.data;

  let background: unknown;
  if (values.backgroundKind === "color") {
    background = { kind: "color", color: values.backgroundColor?.trim() ?? "" };
  } else if (values.backgroundKind === "scene") {
    const templateId = values.sceneTemplate?.trim() || undefined;
    const prompt = values.scenePrompt?.trim() || undefined;
    if (!templateId && !prompt) {
      return {
        ok: false,
        fieldErrors: { sceneTemplate: "Pick a scene, or describe the one you want." },
      };
    }
    if (templateId && !SCENE_TEMPLATES.some((template) => template.id === templateId)) {
      return { ok: false, fieldErrors: { sceneTemplate: "Pick one of the scenes shown." } };
    }
    background = { kind: "scene", templateId, prompt };
  } else {
    background = { kind: "preset" };
  }

  const recipe = recipeSchema.safeParse({
    preset: values.preset,
    background,
    upscale: values.upscale === "none" ? undefined : Number(values.upscale),
    altText: values.altText,
  });
  if (!recipe.success) return { ok: false, fieldErrors: zodFieldErrors(recipe.error) };

  if (values.mode === "add" && !values.position) {
    return { ok: false, fieldErrors: { position: "Choose where the new image goes." } };
  }
  return {
    ok: true,
    value: {
      recipe: recipe.data,
      mode: values.mode,
      position: values.position ?? "after-original",
      autoApprove: values.autoApprove,
    },
  };
}
