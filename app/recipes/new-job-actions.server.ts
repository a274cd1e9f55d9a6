/**
 * What the new-job page's form submits: start a job, or save / delete a saved recipe. Each
 * answers with data for the page, or with field errors (422) keyed like the form's fields.
 */
import type { PrismaClient } from "@prisma/client";

import { recipeCreditCost } from "../billing/costs.ts";
import { creditSummary, InsufficientCreditsError } from "../billing/ledger.server.ts";
import type { BrowseDeps } from "../catalog/product-browser.server.ts";
import type { JobDeps } from "../jobs/deps.server.ts";
import { describeRecipe } from "../jobs/recipe.ts";
import { startJob } from "../jobs/start-job.server.ts";

import { notEnoughCredits } from "./credit-messages.ts";
import {
  selectionFrom,
  SelectionError,
  summarizeSelection,
  type Selection,
} from "./new-job.server.ts";
import { parseRecipeForm, type FieldErrors } from "./recipe-form.server.ts";
import {
  createSavedRecipe,
  deleteSavedRecipe,
  SavedRecipeError,
  type SavedRecipe,
} from "./saved-recipes.server.ts";

export type ActionResult<T> =
  { ok: true; value: T } | { ok: false; status: 404 | 422; fieldErrors: FieldErrors };

const invalid = (fieldErrors: FieldErrors) => ({ ok: false, status: 422, fieldErrors }) as const;

function formSelection(form: FormData): Selection {
  const params = new URLSearchParams();
  const ids = form.get("ids");
  const query = form.get("query");
  if (typeof ids === "string" && ids !== "") params.set("ids", ids);
  else if (typeof query === "string") params.set("query", query);
  return selectionFrom(params);
}

/** Starts the job the form describes, if the shop's credits cover the estimate. */
export async function startJobFromForm(
  deps: { jobs: Pick<JobDeps, "db" | "queue">; browse: BrowseDeps },
  shop: string,
  form: FormData,
): Promise<ActionResult<{ jobId: string }>> {
  let selection: Selection;
  try {
    selection = formSelection(form);
  } catch (error) {
    if (error instanceof SelectionError) return invalid({ selection: error.message });
    throw error;
  }
  if (selection.kind === "none") {
    return invalid({ selection: "Select the products whose images you want to edit first." });
  }
  const parsed = parseRecipeForm(form);
  if (!parsed.ok) return invalid(parsed.fieldErrors);
  const { recipe, mode, position, autoApprove } = parsed.value;

  const [summary, credits] = await Promise.all([
    summarizeSelection(deps.browse, shop, selection),
    creditSummary(deps.jobs.db, shop),
  ]);
  if (summary.productCount === 0) {
    return invalid({ selection: "None of the selected products is in your store any more." });
  }
  const needed = recipeCreditCost(recipe).perImage * summary.imageCount;
  if (needed > credits.available) {
    return invalid({ credits: notEnoughCredits(needed, credits.available, summary.exact) });
  }

  try {
    const job = await startJob(deps.jobs, shop, {
      selection:
        selection.kind === "ids" ? { productIds: selection.ids } : { query: selection.query },
      recipe,
      mode,
      autoApprove,
      position,
    });
    return { ok: true, value: { jobId: job.id } };
  } catch (error) {
    if (error instanceof InsufficientCreditsError) {
      return invalid({ credits: notEnoughCredits(error.needed, error.available, true) });
    }
    throw error;
  }
}

export interface SavedRecipeView {
  id: string;
  name: string;
  summary: string | null;
  recipe: SavedRecipe["recipe"];
  mode: SavedRecipe["mode"];
  position: SavedRecipe["position"];
  autoApprove: boolean;
}

export function savedRecipeView(saved: SavedRecipe): SavedRecipeView {
  return {
    id: saved.id,
    name: saved.name,
    summary: saved.recipe ? describeRecipe(saved.recipe) : null,
    recipe: saved.recipe,
    mode: saved.mode,
    position: saved.position,
    autoApprove: saved.autoApprove,
  };
}

/** Saves the form's recipe under the name it carries. */
export async function saveRecipeFromForm(
  db: PrismaClient,
  shop: string,
  form: FormData,
): Promise<ActionResult<SavedRecipeView>> {
  const parsed = parseRecipeForm(form);
  if (!parsed.ok) return invalid(parsed.fieldErrors);
  const name = form.get("name");
  try {
    const saved = await createSavedRecipe(db, shop, {
      name: typeof name === "string" ? name : "",
      recipe: parsed.value.recipe,
      mode: parsed.value.mode,
      position: parsed.value.position,
      autoApprove: parsed.value.autoApprove,
    });
    return { ok: true, value: savedRecipeView(saved) };
  } catch (error) {
    if (error instanceof SavedRecipeError) {
      return { ok: false, status: error.status, fieldErrors: error.fieldErrors };
    }
    throw error;
  }
}

export async function deleteRecipeFromForm(
  db: PrismaClient,
  shop: string,
  form: FormData,
): Promise<ActionResult<{ id: string }>> {
  const id = form.get("recipeId");
  if (typeof id !== "string" || id === "") return invalid({ recipeId: "Choose a saved recipe." });
  try {
    await deleteSavedRecipe(db, shop, id);
    return { ok: true, value: { id } };
  } catch (error) {
    if (error instanceof SavedRecipeError) {
      return { ok: false, status: error.status, fieldErrors: { recipeId: error.message } };
    }
    throw error;
  }
}
