import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { createAiProvider } from "~/ai";
import { SCENE_TEMPLATES, SCENE_VERTICALS, templateForPrompt } from "~/ai/scene/templates";
import { sceneTemplateCards } from "~/recipes/scene-previews.server";

import { syntheticCutout } from "./support/images";

const provider = createAiProvider("local");

describe("the scene template library", () => {
  it("has unique ids, and a prompt and a negative prompt for the scene model in each", () => {
    expect(new Set(SCENE_TEMPLATES.map((template) => template.id)).size).toBe(
      SCENE_TEMPLATES.length,
    );
    for (const template of SCENE_TEMPLATES) {
      expect(template.prompt.length, template.id).toBeGreaterThan(40);
      expect(template.negativePrompt, template.id).toMatch(/watermark/);
      expect(template.negativePrompt.split(", ").length, template.id).toBeGreaterThan(10);
    }
  });

  it("puts at least two scenes on every shelf, seasons included", () => {
    const shelves = SCENE_VERTICALS.map((vertical) => vertical.id);
    expect(shelves).toEqual(
      expect.arrayContaining([
        "fashion",
        "jewellery",
        "cosmetics",
        "electronics",
        "home",
        "food",
        "holiday",
        "summer",
      ]),
    );
    for (const shelf of shelves) {
      const on = SCENE_TEMPLATES.filter((template) => template.vertical === shelf);
      expect(on.length, shelf).toBeGreaterThanOrEqual(2);
    }
    expect(SCENE_TEMPLATES.every((template) => shelves.includes(template.vertical))).toBe(true);
  });

  it.each(
    SCENE_VERTICALS.map((vertical) => {
      const template = SCENE_TEMPLATES.find((candidate) => candidate.vertical === vertical.id)!;
      return [vertical.id, template.id] as const;
    }),
  )("renders a %s scene (%s) offline around the product", async (_vertical, templateId) => {
    const scene = await provider.scene({
      cutout: await syntheticCutout(120, 160),
      templateId,
      width: 320,
      height: 240,
    });
    const { width, height, channels } = await sharp(scene).metadata();
    expect([width, height]).toEqual([320, 240]);
    const stats = await sharp(scene).stats();
    // A scene, not a blank: the backdrop and the product differ across the picture.
    expect(stats.channels[0]!.stdev).toBeGreaterThan(5);
    expect(channels).toBeGreaterThanOrEqual(3);
  });

  it("answers a prompt naming a new scene's material with that scene", () => {
    expect(templateForPrompt("on midnight velvet")?.id).toBe("jewellery-velvet");
    expect(templateForPrompt("festive christmas lights")?.id).toBe("holiday-lights");
    // The original four still win their own words.
    expect(templateForPrompt("rustic wooden desk")?.id).toBe("warm-wood");
    expect(templateForPrompt("on a beach at sunset")).toBeNull();
  });

  it("paints a preview of every template for the new-job page, with its shelf", async () => {
    const cards = await sceneTemplateCards();
    expect(cards).toHaveLength(SCENE_TEMPLATES.length);
    for (const card of cards) {
      expect(card.preview).toMatch(/^data:image\/webp;base64,/);
      expect(SCENE_VERTICALS.some((vertical) => vertical.id === card.vertical)).toBe(true);
    }
  });
});
