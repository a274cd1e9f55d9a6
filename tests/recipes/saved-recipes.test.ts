import { beforeEach, describe, expect, it } from "vitest";

import db from "~/db.server";
import {
  createSavedRecipe,
  deleteSavedRecipe,
  getSavedRecipe,
  listSavedRecipes,
  SavedRecipeError,
  updateSavedRecipe,
} from "~/recipes/saved-recipes.server";

const SHOP = "recipes-shop.myshopify.com";
const OTHER_SHOP = "other-recipes-shop.myshopify.com";

const amazon = { preset: "amazon" as const, upscale: 2 as const, altText: true };

async function refusal(promise: Promise<unknown>): Promise<SavedRecipeError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SavedRecipeError);
  return error as SavedRecipeError;
}

beforeEach(async () => {
  await db.savedRecipe.deleteMany();
});

describe("saved recipes", () => {
  it("saves a recipe under a name and gives it back, parsed and with defaults filled", async () => {
    const saved = await createSavedRecipe(db, SHOP, {
      name: "  My Amazon recipe ",
      recipe: amazon,
      mode: "add",
      autoApprove: true,
    });
    expect(saved).toMatchObject({
      name: "My Amazon recipe",
      recipe: { preset: "amazon", background: { kind: "preset" }, upscale: 2, altText: true },
      mode: "add",
      autoApprove: true,
    });
    expect(await getSavedRecipe(db, SHOP, saved.id)).toEqual(saved);
    expect((await listSavedRecipes(db, SHOP)).map((recipe) => recipe.name)).toEqual([
      "My Amazon recipe",
    ]);
  });

  it("lists a shop's recipes by name, and only that shop's", async () => {
    await createSavedRecipe(db, SHOP, { name: "Etsy warm wood", recipe: { preset: "etsy" } });
    await createSavedRecipe(db, SHOP, { name: "Amazon", recipe: { preset: "amazon" } });
    await createSavedRecipe(db, OTHER_SHOP, { name: "Theirs", recipe: { preset: "ebay" } });
    expect((await listSavedRecipes(db, SHOP)).map((recipe) => recipe.name)).toEqual([
      "Amazon",
      "Etsy warm wood",
    ]);
  });

  it("refuses a second recipe with the same name in a shop, with a 422 on the name", async () => {
    await createSavedRecipe(db, SHOP, { name: "Amazon", recipe: amazon });
    const error = await refusal(createSavedRecipe(db, SHOP, { name: "Amazon", recipe: amazon }));
    expect(error.status).toBe(422);
    expect(error.fieldErrors.name).toMatch(/already have a recipe called “Amazon”/);
    // Another shop may use the name.
    await expect(
      createSavedRecipe(db, OTHER_SHOP, { name: "Amazon", recipe: amazon }),
    ).resolves.toMatchObject({ name: "Amazon" });
  });

  it("refuses a recipe the recipe rules refuse, keyed by field", async () => {
    const white = await refusal(
      createSavedRecipe(db, SHOP, {
        name: "Blue Amazon",
        recipe: { preset: "amazon", background: { kind: "color", color: "#0000ff" } },
      }),
    );
    expect(white.status).toBe(422);
    expect(white.fieldErrors.background).toMatch(/Amazon requires a pure white background/);

    const unnamed = await refusal(createSavedRecipe(db, SHOP, { name: "  ", recipe: amazon }));
    expect(unnamed.fieldErrors).toEqual({ name: "Give the recipe a name." });

    const badPreset = await refusal(
      createSavedRecipe(db, SHOP, {
        name: "Nowhere",
        recipe: { preset: "nowhere" as "amazon" },
      }),
    );
    expect(Object.keys(badPreset.fieldErrors)).toEqual(["preset"]);
    expect(await db.savedRecipe.count()).toBe(0);
  });

  it("updates a recipe, and refuses to rename it onto another one's name", async () => {
    const first = await createSavedRecipe(db, SHOP, { name: "Amazon", recipe: amazon });
    await createSavedRecipe(db, SHOP, { name: "Etsy", recipe: { preset: "etsy" } });
    const updated = await updateSavedRecipe(db, SHOP, first.id, {
      name: "Amazon 4×",
      recipe: { ...amazon, upscale: 4 },
    });
    expect(updated).toMatchObject({ id: first.id, name: "Amazon 4×", recipe: { upscale: 4 } });
    const clash = await refusal(
      updateSavedRecipe(db, SHOP, first.id, { name: "Etsy", recipe: amazon }),
    );
    expect(clash.status).toBe(422);
  });

  it("answers another shop's recipe exactly like a missing one", async () => {
    const theirs = await createSavedRecipe(db, OTHER_SHOP, { name: "Theirs", recipe: amazon });
    const read = await refusal(getSavedRecipe(db, SHOP, theirs.id));
    const missing = await refusal(getSavedRecipe(db, SHOP, "no-such-recipe"));
    expect([read.status, read.message]).toEqual([missing.status, missing.message]);
    expect(read.status).toBe(404);

    expect((await refusal(deleteSavedRecipe(db, SHOP, theirs.id))).status).toBe(404);
    expect(
      (await refusal(updateSavedRecipe(db, SHOP, theirs.id, { name: "Mine", recipe: amazon })))
        .status,
    ).toBe(404);
    // Untouched.
    expect(await getSavedRecipe(db, OTHER_SHOP, theirs.id)).toMatchObject({ name: "Theirs" });
  });

  it("deletes a recipe", async () => {
    const saved = await createSavedRecipe(db, SHOP, { name: "Amazon", recipe: amazon });
    await deleteSavedRecipe(db, SHOP, saved.id);
    expect(await listSavedRecipes(db, SHOP)).toEqual([]);
    expect((await refusal(deleteSavedRecipe(db, SHOP, saved.id))).status).toBe(404);
  });

  it("keeps a recipe saved by an older version readable, marked as no longer valid", async () => {
    await db.savedRecipe.create({
      data: { shop: SHOP, name: "Old", recipe: JSON.stringify({ preset: "retired-preset" }) },
    });
    const [old] = await listSavedRecipes(db, SHOP);
    expect(old).toMatchObject({ name: "Old", recipe: null, mode: "replace" });
  });
});
