/**
 * A shop's saved recipes ("my Amazon recipe"): a recipe with its write-back choices under a name
 * the merchant picks, unique within the shop. Every query names the shop; another shop's recipe
 * answers exactly like a missing one. Stored recipes are parsed again on the way out, since a
 * recipe saved by an older version of the app may no longer be valid.
 */
import type { PrismaClient } from "@prisma/client";
import { z } from "zod";

import {
  ADD_POSITIONS,
  recipeSchema,
  WRITE_MODES,
  type AddPosition,
  type Recipe,
  type WriteMode,
} from "../jobs/recipe.ts";

import { zodFieldErrors, type FieldErrors } from "./recipe-form.server.ts";

export const RECIPE_NAME_MAX = 60;

export const savedRecipeInputSchema = z.object({
  name: z
    .string({ required_error: "Give the recipe a name." })
    .trim()
    .min(1, "Give the recipe a name.")
    .max(RECIPE_NAME_MAX, `Keep the name under ${RECIPE_NAME_MAX} characters.`),
  recipe: recipeSchema,
  mode: z.enum(WRITE_MODES).default("replace"),
  position: z.enum(ADD_POSITIONS).default("after-original"),
  autoApprove: z.boolean().default(false),
});

export type SavedRecipeInput = z.input<typeof savedRecipeInputSchema>;

export interface SavedRecipe {
  id: string;
  name: string;
  /** null when the stored recipe is no longer valid (saved by an older version). */
  recipe: Recipe | null;
  mode: WriteMode;
  position: AddPosition;
  autoApprove: boolean;
  updatedAt: Date;
}

/** 404 for a missing (or another shop's) recipe, 422 with field errors for bad input. */
export class SavedRecipeError extends Error {
  override name = "SavedRecipeError";
  readonly status: 404 | 422;
  readonly fieldErrors: FieldErrors;
  constructor(status: 404 | 422, message: string, fieldErrors: FieldErrors = {}) {
    super(message);
    this.status = status;
    this.fieldErrors = fieldErrors;
  }
}

const notFound = () =>
  new SavedRecipeError(404, "This saved recipe no longer exists. It may have been deleted.");

type Row = {
  id: string;
  name: string;
  recipe: string;
  mode: string;
  position: string;
  autoApprove: boolean;
  updatedAt: Date;
};

function toSavedRecipe(row: Row): SavedRecipe {
  let recipe: Recipe | null = null;
  try {
    const parsed = recipeSchema.safeParse(JSON.parse(row.recipe));
    if (parsed.success) recipe = parsed.data;
  } catch {
    recipe = null;
  }
  return {
    id: row.id,
    name: row.name,
    recipe,
    mode: (WRITE_MODES as readonly string[]).includes(row.mode)
      ? (row.mode as WriteMode)
      : "replace",
    position: (ADD_POSITIONS as readonly string[]).includes(row.position)
      ? (row.position as AddPosition)
      : "after-original",
    autoApprove: row.autoApprove,
    updatedAt: row.updatedAt,
  };
}

function validate(input: unknown) {
  const parsed = savedRecipeInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new SavedRecipeError(
      422,
      "The recipe could not be saved; check the highlighted fields.",
      zodFieldErrors(parsed.error, (path) =>
        path[0] === "recipe" ? String(path[1] ?? "recipe") : String(path[0] ?? "form"),
      ),
    );
  }
  return parsed.data;
}

function duplicateName(error: unknown, name: string): SavedRecipeError | null {
  // By code, not class: the PostgreSQL build's client has its own error classes.
  if ((error as { code?: unknown } | null)?.code === "P2002") {
    return new SavedRecipeError(422, `You already have a recipe called “${name}”.`, {
      name: `You already have a recipe called “${name}”. Choose another name, or update that one.`,
    });
  }
  return null;
}

export async function listSavedRecipes(db: PrismaClient, shop: string): Promise<SavedRecipe[]> {
  const rows = await db.savedRecipe.findMany({ where: { shop }, orderBy: { name: "asc" } });
  return rows.map(toSavedRecipe);
}

/** The shop's recipe; SavedRecipeError 404 when it has none by that id. */
export async function getSavedRecipe(
  db: PrismaClient,
  shop: string,
  id: string,
): Promise<SavedRecipe> {
  const row = await db.savedRecipe.findFirst({ where: { id, shop } });
  if (!row) throw notFound();
  return toSavedRecipe(row);
}

export async function createSavedRecipe(
  db: PrismaClient,
  shop: string,
  input: SavedRecipeInput,
): Promise<SavedRecipe> {
  const data = validate(input);
  try {
    const row = await db.savedRecipe.create({
      data: {
        shop,
        name: data.name,
        recipe: JSON.stringify(data.recipe),
        mode: data.mode,
        position: data.position,
        autoApprove: data.autoApprove,
      },
    });
    return toSavedRecipe(row);
  } catch (error) {
    throw duplicateName(error, data.name) ?? error;
  }
}

export async function updateSavedRecipe(
  db: PrismaClient,
  shop: string,
  id: string,
  input: SavedRecipeInput,
): Promise<SavedRecipe> {
  const data = validate(input);
  try {
    const { count } = await db.savedRecipe.updateMany({
      where: { id, shop },
      data: {
        name: data.name,
        recipe: JSON.stringify(data.recipe),
        mode: data.mode,
        position: data.position,
        autoApprove: data.autoApprove,
      },
    });
    if (count === 0) throw notFound();
  } catch (error) {
    throw duplicateName(error, data.name) ?? error;
  }
  return getSavedRecipe(db, shop, id);
}

export async function deleteSavedRecipe(db: PrismaClient, shop: string, id: string) {
  const { count } = await db.savedRecipe.deleteMany({ where: { id, shop } });
  if (count === 0) throw notFound();
}
