import { describe, expect, it } from "vitest";

import { DEFAULT_MODELS } from "~/ai";
import { privacyStatement, replicateModels } from "~/settings/privacy.server";

const SETTINGS = { aiProvider: "local", retentionDays: 30, resultRetentionDays: 180 } as const;
const LOCAL_ONLY = {
  aiProvider: "local" as const,
  aiProviderChoices: ["local" as const],
  fileLinkTtlSeconds: 3600,
};

const textOf = (sections: ReturnType<typeof privacyStatement>) =>
  sections.flatMap((section) => [
    section.heading,
    ...section.paragraphs,
    ...(section.items ?? []),
    ...(section.notes ?? []),
  ]);

describe("the privacy statement", () => {
  it("says the local server processes images, and names no outside AI service", () => {
    const text = textOf(privacyStatement({ env: LOCAL_ONLY, settings: SETTINGS }));
    expect(text).toContain(
      "Your images are processed on Photo Studio's own server. They are not sent to any AI service.",
    );
    expect(text.join(" ")).not.toMatch(/replicate/i);
    expect(text.join(" ")).toMatch(/does not use your images to train/);
    expect(text.join(" ")).toMatch(/holds no customer data/);
  });

  it("names Replicate and the model of each operation when Replicate processes the shop's images", () => {
    const sections = privacyStatement({
      env: { ...LOCAL_ONLY, aiProvider: "replicate", aiProviderChoices: ["replicate"] },
      settings: { ...SETTINGS, aiProvider: "replicate" },
      processEnv: { REPLICATE_MODEL_SCENE: "black-forest-labs/flux-kontext-max" },
    });
    const processing = sections.find((section) => section.id === "processing")!;
    expect(processing.paragraphs[0]).toMatch(/^Your images are processed by Replicate/);
    expect(processing.items).toEqual([
      "Background removal: bria/remove-background",
      "Upscaling: nightmareai/real-esrgan",
      "Scenes: black-forest-labs/flux-kontext-max",
      "Magic eraser: bria/eraser",
      "Alt text: yorickvp/llava-13b",
    ]);
  });

  it("lists exactly the operations the Replicate provider has models for", () => {
    expect(replicateModels({}).map((entry) => entry.operation)).toEqual(
      Object.keys(DEFAULT_MODELS),
    );
  });

  it("mentions the other provider only when the operator lets the shop choose", () => {
    const both = { ...LOCAL_ONLY, aiProviderChoices: ["local" as const, "replicate" as const] };
    const text = textOf(privacyStatement({ env: both, settings: SETTINGS })).join(" ");
    expect(text).toContain(
      "You can change this in Settings: Replicate can process your images instead.",
    );
  });

  it("states the shop's own retention settings and the configured link lifetime", () => {
    const text = textOf(
      privacyStatement({
        env: { ...LOCAL_ONLY, fileLinkTtlSeconds: 900 },
        settings: { ...SETTINGS, retentionDays: 1, resultRetentionDays: 365 },
      }),
    ).join(" ");
    expect(text).toContain("source images and rejected results 1 day, approved results 365 days");
    expect(text).toContain("links that work for 15 minutes");
  });
});
