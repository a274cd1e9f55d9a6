import { describe, expect, it } from "vitest";

import { AUDIT_GROUPS } from "~/catalog-audit/audit-groups";
import { recipeCreditCost } from "~/billing/costs";
import { stateFromRecipe, stateToFormData } from "~/components/recipe/form-state";
import { recipeSchema } from "~/jobs/recipe";
import { parseRecipeForm } from "~/recipes/recipe-form.server";
import { FEATURED_SOLUTIONS, SOLUTIONS, findSolution } from "~/recipes/solutions";

const BASE = {
  preset: "shopify",
  backgroundKind: "preset",
  backgroundColor: "#ffffff",
  sceneTemplate: "white-sweep",
  scenePrompt: "",
  upscale: "none",
  altText: false,
  mode: "replace",
  position: "after-original",
  autoApprove: true,
} as const;

describe("solutions", () => {
  it("offers Amazon, social media, Etsy and eBay sellers at the top of the new-job page", () => {
    expect(FEATURED_SOLUTIONS.map((solution) => solution.name)).toEqual([
      "Amazon seller",
      "Social media",
      "Etsy handmade",
      "eBay seller",
    ]);
  });

  it.each(SOLUTIONS.map((solution) => [solution.id, solution] as const))(
    "%s fills the form with a valid recipe the server accepts, auto-approve off",
    (_id, solution) => {
      expect(recipeSchema.safeParse(solution.recipe).success).toBe(true);
      // The form as the page fills it (over a shop whose default is to auto-approve).
      const state = stateFromRecipe(solution.recipe, solution, { ...BASE });
      expect(state.autoApprove).toBe(false);
      const form = new FormData();
      for (const [name, value] of Object.entries(stateToFormData(state))) form.set(name, value);
      const parsed = parseRecipeForm(form);
      expect(parsed).toMatchObject({
        ok: true,
        value: { mode: solution.mode, position: solution.position, autoApprove: false },
      });
      if (parsed.ok) expect(parsed.value.recipe).toEqual(recipeSchema.parse(solution.recipe));
    },
  );

  it("shows what a solution costs before it starts", () => {
    expect(recipeCreditCost(findSolution("amazon-seller")!.recipe).perImage).toBe(1);
    expect(recipeCreditCost(findSolution("upscale-small")!.recipe).perImage).toBe(2);
    expect(recipeCreditCost(findSolution("social-media")!.recipe).perImage).toBe(2);
  });

  it("has a solution for every fix the catalog health page links to", () => {
    for (const group of Object.values(AUDIT_GROUPS)) {
      if (group.fix?.kind === "job") expect(findSolution(group.fix.solution)).not.toBeNull();
    }
    expect(findSolution("nonsense")).toBeNull();
  });
});
