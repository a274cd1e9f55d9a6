/**
 * What a merchant can run from the admin extensions: their saved recipes first (what they already
 * settled on in the app), then each marketplace preset with the shop's default settings. Each
 * choice carries the full job request it stands for, so starting one runs exactly what was shown
 * and priced.
 */
import type { PrismaClient } from "@prisma/client";

import { recipeCreditCost } from "../billing/costs.ts";
import { listPresets } from "../images/presets.ts";
import { describeRecipe, recipeSchema, type Recipe, type WriteMode } from "../jobs/recipe.ts";
import { listSavedRecipes } from "../recipes/saved-recipes.server.ts";
import { getShopSettings } from "../settings/shop-settings.server.ts";

export interface ExtensionChoice {
  /** "saved:<id>" or "preset:<id>": what the extension sends back to start a job. */
  id: string;
  kind: "saved" | "preset";
  name: string;
  summary: string;
  creditsPerImage: number;
  recipe: Recipe;
  mode: WriteMode;
  autoApprove: boolean;
}

export async function extensionChoices(db: PrismaClient, shop: string): Promise<ExtensionChoice[]> {
  const [saved, settings] = await Promise.all([
    listSavedRecipes(db, shop),
    getShopSettings(db, shop),
  ]);
  const choices: ExtensionChoice[] = [];
  for (const entry of saved) {
    // A recipe saved by an older version that no longer validates is left for the app's recipe
    // page to fix; it cannot be run as it is.
    if (!entry.recipe) continue;
    choices.push({
      id: `saved:${entry.id}`,
      kind: "saved",
      name: entry.name,
      summary: describeRecipe(entry.recipe),
      creditsPerImage: recipeCreditCost(entry.recipe).perImage,
      recipe: entry.recipe,
      mode: entry.mode,
      autoApprove: entry.autoApprove,
    });
  }
  // The shop's default preset first: it is what the merchant chose in settings.
  const presets = [...listPresets()].sort(
    (a, b) => Number(b.id === settings.defaultPreset) - Number(a.id === settings.defaultPreset),
  );
  for (const preset of presets) {
    const recipe = recipeSchema.parse({ preset: preset.id, altText: settings.altText });
    choices.push({
      id: `preset:${preset.id}`,
      kind: "preset",
      name: preset.name,
      summary: describeRecipe(recipe),
      creditsPerImage: recipeCreditCost(recipe).perImage,
      recipe,
      mode: settings.writeMode,
      autoApprove: settings.autoApprove,
    });
  }
  return choices;
}

export async function findChoice(db: PrismaClient, shop: string, choiceId: string) {
  const choices = await extensionChoices(db, shop);
  return choices.find((choice) => choice.id === choiceId) ?? null;
}
