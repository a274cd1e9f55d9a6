/**
 * The new-job form's state in the browser, and the recipe it stands for. The recipe is built here
 * only for the live cost preview; the server parses the submitted form again with the recipe's
 * schema (app/recipes/recipe-form.server.ts). Types only from the recipe module: it loads the
 * preset table, which the browser bundle must not.
 */
import type { Recipe, WriteMode } from "~/jobs/recipe";
import type { WritePosition } from "~/recipes/write-options";

export interface RecipeFormState {
  preset: Recipe["preset"];
  backgroundKind: "preset" | "color" | "scene";
  backgroundColor: string;
  sceneTemplate: string;
  scenePrompt: string;
  upscale: "none" | "2" | "4";
  altText: boolean;
  mode: WriteMode;
  position: WritePosition;
  autoApprove: boolean;
}

export function recipeFromState(state: RecipeFormState): Recipe {
  const background: Recipe["background"] =
    state.backgroundKind === "color"
      ? { kind: "color", color: state.backgroundColor }
      : state.backgroundKind === "scene"
        ? {
            kind: "scene",
            templateId: state.sceneTemplate || undefined,
            prompt: state.scenePrompt.trim() || undefined,
          }
        : { kind: "preset" };
  return {
    preset: state.preset,
    background,
    upscale: state.upscale === "none" ? undefined : state.upscale === "2" ? 2 : 4,
    altText: state.altText,
  };
}

/** The form filled from a saved recipe; what the recipe does not say comes from `base`. */
export function stateFromRecipe(
  recipe: Recipe,
  options: { mode: WriteMode; position: WritePosition; autoApprove: boolean },
  base: RecipeFormState,
): RecipeFormState {
  const background = recipe.background;
  return {
    ...base,
    preset: recipe.preset,
    backgroundKind: background.kind,
    backgroundColor: background.kind === "color" ? background.color : base.backgroundColor,
    sceneTemplate: background.kind === "scene" ? (background.templateId ?? "") : base.sceneTemplate,
    scenePrompt: background.kind === "scene" ? (background.prompt ?? "") : "",
    upscale: recipe.upscale ? (String(recipe.upscale) as "2" | "4") : "none",
    altText: recipe.altText,
    mode: options.mode,
    position: options.position,
    autoApprove: options.autoApprove,
  };
}

/** The form as fields of a submission (the same names the server reads). */
export function stateToFormData(state: RecipeFormState): Record<string, string> {
  return {
    preset: state.preset,
    backgroundKind: state.backgroundKind,
    backgroundColor: state.backgroundColor,
    sceneTemplate: state.sceneTemplate,
    scenePrompt: state.scenePrompt,
    upscale: state.upscale,
    altText: state.altText ? "true" : "false",
    mode: state.mode,
    position: state.position,
    autoApprove: state.autoApprove ? "true" : "false",
  };
}
