import { describe, expect, it } from "vitest";

import { parseRecipeForm } from "~/recipes/recipe-form.server";
import { selectionFrom, SelectionError } from "~/recipes/new-job.server";

function form(fields: Record<string, string>) {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

const base = {
  preset: "shopify",
  backgroundKind: "preset",
  upscale: "none",
  altText: "false",
  mode: "replace",
  autoApprove: "false",
};

describe("parseRecipeForm", () => {
  it("reads the form into a recipe and the write-back choices", () => {
    expect(
      parseRecipeForm(
        form({
          ...base,
          backgroundKind: "scene",
          sceneTemplate: "warm-wood",
          scenePrompt: "  by a window ",
          upscale: "4",
          altText: "on",
          mode: "add",
          position: "first",
          autoApprove: "true",
        }),
      ),
    ).toEqual({
      ok: true,
      value: {
        recipe: {
          preset: "shopify",
          background: { kind: "scene", templateId: "warm-wood", prompt: "by a window" },
          upscale: 4,
          altText: true,
        },
        mode: "add",
        position: "first",
        autoApprove: true,
      },
    });
  });

  it("keys each problem by the field that shows it", () => {
    expect(
      parseRecipeForm(
        form({ ...base, preset: "amazon", backgroundKind: "color", backgroundColor: "#00ff00" }),
      ),
    ).toEqual({
      ok: false,
      fieldErrors: { background: expect.stringMatching(/Amazon requires a pure white/) },
    });
    expect(
      parseRecipeForm(form({ ...base, backgroundKind: "color", backgroundColor: "green" })),
    ).toEqual({ ok: false, fieldErrors: { backgroundColor: "Choose a colour like #f5f5f5." } });
    expect(parseRecipeForm(form({ ...base, backgroundKind: "scene" }))).toEqual({
      ok: false,
      fieldErrors: { sceneTemplate: expect.stringMatching(/Pick a scene/) },
    });
    expect(
      parseRecipeForm(form({ ...base, backgroundKind: "scene", sceneTemplate: "moon-base" })),
    ).toEqual({ ok: false, fieldErrors: { sceneTemplate: "Pick one of the scenes shown." } });
    expect(parseRecipeForm(form({ ...base, upscale: "3", mode: "overwrite" }))).toEqual({
      ok: false,
      fieldErrors: {
        upscale: "Choose no upscale, 2× or 4×.",
        mode: "Choose whether results replace the originals or go beside them.",
      },
    });
    expect(parseRecipeForm(form({ ...base, preset: "nowhere" })).ok).toBe(false);
  });
});

describe("selectionFrom", () => {
  it("reads product ids or a search from the new-job URL", () => {
    expect(
      selectionFrom(
        new URLSearchParams({
          ids: "gid://shopify/Product/1, gid://shopify/Product/2,gid://shopify/Product/1",
        }),
      ),
    ).toEqual({ kind: "ids", ids: ["gid://shopify/Product/1", "gid://shopify/Product/2"] });
    expect(selectionFrom(new URLSearchParams({ query: "vendor:Acme" }))).toEqual({
      kind: "query",
      query: "vendor:Acme",
    });
    expect(selectionFrom(new URLSearchParams({ query: "" }))).toEqual({ kind: "query", query: "" });
    expect(selectionFrom(new URLSearchParams())).toEqual({ kind: "none" });
  });

  it("refuses what is not a product id", () => {
    expect(() =>
      selectionFrom(new URLSearchParams({ ids: "gid://shopify/Product/1,gid://shopify/Order/2" })),
    ).toThrow(SelectionError);
    expect(() => selectionFrom(new URLSearchParams({ ids: "1; drop table" }))).toThrow(
      /not products of your store/,
    );
  });
});
