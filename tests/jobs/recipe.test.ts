import { describe, expect, it } from "vitest";

import { describeRecipe, parseRecipe, recipeSchema } from "~/jobs/recipe";

function refusal(input: unknown) {
  const parsed = recipeSchema.safeParse(input);
  expect(parsed.success).toBe(false);
  return parsed.error!.issues.map((issue) => ({
    path: issue.path.join("."),
    message: issue.message,
  }));
}

describe("the recipe", () => {
  it("reads a recipe stored before backgrounds existed with the preset's own background", () => {
    expect(parseRecipe(JSON.stringify({ preset: "amazon", upscale: 2 }))).toEqual({
      preset: "amazon",
      background: { kind: "preset" },
      upscale: 2,
      altText: false,
    });
  });

  it("accepts a colour or a scene where the marketplace allows them", () => {
    expect(
      recipeSchema.parse({ preset: "shopify", background: { kind: "color", color: "#F5F5F5" } })
        .background,
    ).toEqual({ kind: "color", color: "#F5F5F5" });
    expect(
      recipeSchema.parse({
        preset: "social-square",
        background: { kind: "scene", templateId: "white-sweep", prompt: "  on white paper " },
      }).background,
    ).toEqual({ kind: "scene", templateId: "white-sweep", prompt: "on white paper" });
  });

  it("refuses anything but pure white for Amazon, in words the merchant can act on", () => {
    for (const background of [
      { kind: "color", color: "#eeeeee" },
      { kind: "scene", templateId: "white-sweep" },
    ]) {
      expect(refusal({ preset: "amazon", background })).toEqual([
        { path: "background", message: expect.stringContaining("Amazon requires a pure white") },
      ]);
    }
  });

  it("refuses a new background on a preset that keeps the whole photo", () => {
    expect(refusal({ preset: "ebay", background: { kind: "color", color: "#000000" } })).toEqual([
      { path: "background", message: expect.stringMatching(/keep the whole photo/) },
    ]);
  });

  it("refuses a scene with neither a template nor a description, or an unknown template", () => {
    expect(refusal({ preset: "shopify", background: { kind: "scene" } })).toEqual([
      { path: "background.templateId", message: "Choose a scene template or describe the scene." },
    ]);
    expect(
      refusal({ preset: "shopify", background: { kind: "scene", templateId: "moon-base" } }),
    ).toEqual([{ path: "background.templateId", message: expect.stringContaining("White sweep") }]);
    expect(refusal({ preset: "shopify", background: { kind: "color", color: "red" } })).toEqual([
      { path: "background.color", message: "Choose a colour like #f5f5f5." },
    ]);
    expect(
      refusal({ preset: "shopify", background: { kind: "scene", prompt: "x".repeat(501) } })[0]!
        .message,
    ).toMatch(/500 characters/);
  });

  it("describes itself in one line", () => {
    expect(describeRecipe(parseRecipe('{"preset":"amazon","upscale":2,"altText":true}'))).toBe(
      "Amazon · white background · 2× upscale · alt text",
    );
    expect(
      describeRecipe(
        recipeSchema.parse({ preset: "etsy", background: { kind: "color", color: "#FFEEDD" } }),
      ),
    ).toBe("Etsy · #ffeedd background");
    expect(
      describeRecipe(
        recipeSchema.parse({
          preset: "shopify",
          background: { kind: "scene", templateId: "white-sweep" },
        }),
      ),
    ).toBe("Shopify · White sweep scene");
    expect(
      describeRecipe(
        recipeSchema.parse({
          preset: "shopify",
          background: { kind: "scene", prompt: "on a beach" },
        }),
      ),
    ).toBe("Shopify · scene: “on a beach”");
    expect(describeRecipe(recipeSchema.parse({ preset: "ebay" }))).toBe(
      "eBay · original background",
    );
  });
});
