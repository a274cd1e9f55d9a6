import { describe, expect, it } from "vitest";

import {
  CREDIT_COSTS,
  ERASE_CREDIT_COST,
  formatCredits,
  PRESET_REMOVES_BACKGROUND,
  recipeCreditCost,
  regenerateCreditCost,
} from "~/billing/costs";
import { PRESET_IDS, PRESETS } from "~/images/presets";
import { recipeSchema, type RecipeInput } from "~/jobs/recipe";

const cost = (input: RecipeInput) => recipeCreditCost(recipeSchema.parse(input));

describe("the credit cost table", () => {
  it("keeps standard edits and local alt text free and prices every AI step", () => {
    expect(CREDIT_COSTS).toEqual({
      edit: 0,
      "alt-text": 0,
      "remove-background": 1,
      upscale: 1,
      scene: 2,
      erase: 1,
    });
    expect(ERASE_CREDIT_COST).toBe(1);
  });

  it("mirrors each preset's background removal exactly", () => {
    for (const id of PRESET_IDS) {
      expect(PRESET_REMOVES_BACKGROUND[id], id).toBe(PRESETS[id].removeBackground);
    }
  });

  it("charges nothing for a preset that keeps the photo, with or without alt text", () => {
    const recipe = cost({ preset: "ebay", altText: true });
    expect(recipe.perImage).toBe(0);
    expect(recipe.lines.map((l) => [l.operation, l.credits])).toEqual([
      ["edit", 0],
      ["alt-text", 0],
    ]);
  });

  it("charges one credit per image for a preset that removes the background", () => {
    const recipe = cost({ preset: "amazon" });
    expect(recipe.perImage).toBe(1);
    expect(recipe.lines.map((l) => l.operation)).toEqual(["edit", "remove-background"]);
  });

  it("adds the upscale, whatever its factor, to the background removal", () => {
    expect(cost({ preset: "amazon", upscale: 2 }).perImage).toBe(2);
    expect(cost({ preset: "amazon", upscale: 4, altText: true }).perImage).toBe(2);
    expect(cost({ preset: "ebay", upscale: 4 }).perImage).toBe(1);
    expect(cost({ preset: "amazon", upscale: 4 }).lines.at(-1)?.label).toBe("AI upscale 4×");
  });

  it("prices a scene at two credits including its cut-out, and a colour as a cut-out", () => {
    const scene = cost({ preset: "shopify", background: { kind: "scene", prompt: "on oak" } });
    expect(scene.perImage).toBe(2);
    expect(scene.lines.map((l) => l.operation)).toEqual(["edit", "scene"]);
    const colour = cost({ preset: "shopify", background: { kind: "color", color: "#f5f5f5" } });
    expect(colour.perImage).toBe(1);
    expect(
      cost({ preset: "social-square", background: { kind: "scene", prompt: "x" }, upscale: 2 })
        .perImage,
    ).toBe(3);
  });

  it("sums the lines into the per-image price", () => {
    for (const input of [
      { preset: "temu", upscale: 2, altText: true },
      { preset: "etsy" },
      { preset: "social-story", background: { kind: "scene", prompt: "beach" } },
    ] satisfies RecipeInput[]) {
      const recipe = cost(input);
      expect(recipe.perImage).toBe(recipe.lines.reduce((sum, l) => sum + l.credits, 0));
    }
  });

  it("charges a regenerate what the recipe's AI steps cost again", () => {
    expect(regenerateCreditCost(recipeSchema.parse({ preset: "amazon", upscale: 2 }))).toBe(2);
    expect(regenerateCreditCost(recipeSchema.parse({ preset: "ebay", altText: true }))).toBe(0);
  });

  it("writes credits the same way everywhere", () => {
    expect(formatCredits(0)).toBe("Free");
    expect(formatCredits(1)).toBe("1 credit");
    expect(formatCredits(12)).toBe("12 credits");
    expect(formatCredits(1200)).toBe("1,200 credits");
  });
});
