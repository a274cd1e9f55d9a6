import { describe, expect, it } from "vitest";

import { ConfigError, parseEnv } from "~/env.server";

const VALID = {
  SHOPIFY_API_KEY: "a1b2c3d4e5f6",
  SHOPIFY_API_SECRET: "0123456789abcdef0123456789abcdef",
  SHOPIFY_APP_URL: "https://photo-studio.example.com/",
};

function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

describe("settings-related configuration", () => {
  it("offers merchants only the operator's provider unless AI_PROVIDER_CHOICES says more", () => {
    expect(parseEnv(VALID).aiProviderChoices).toEqual(["local"]);
    expect(parseEnv({ ...VALID, AI_PROVIDER: "replicate" }).aiProviderChoices).toEqual([
      "replicate",
    ]);
    expect(
      parseEnv({
        ...VALID,
        AI_PROVIDER_CHOICES: " Local, replicate ,local",
        REPLICATE_API_TOKEN: "r8_test_token",
      }).aiProviderChoices,
    ).toEqual(["local", "replicate"]);
  });

  it("refuses to offer Replicate without its token, at start-up rather than at a shop's first job", () => {
    const problems = problemsOf({ ...VALID, AI_PROVIDER_CHOICES: "local,replicate" });
    expect(problems).toEqual([expect.stringMatching(/REPLICATE_API_TOKEN must be set/)]);
  });

  it("refuses unknown providers and a choice list without the operator's own provider", () => {
    expect(problemsOf({ ...VALID, AI_PROVIDER_CHOICES: "local,openai" })).toEqual([
      expect.stringMatching(/^AI_PROVIDER_CHOICES may list only "local" and "replicate"/),
    ]);
    expect(
      problemsOf({ ...VALID, AI_PROVIDER_CHOICES: "replicate", REPLICATE_API_TOKEN: "r8_test" }),
    ).toEqual([expect.stringMatching(/^AI_PROVIDER_CHOICES must include AI_PROVIDER \("local"\)/)]);
  });

  it("keeps signed file links for an hour unless FILE_LINK_TTL_SECONDS sets 1 minute to 1 day", () => {
    expect(parseEnv(VALID).fileLinkTtlSeconds).toBe(3600);
    expect(parseEnv({ ...VALID, FILE_LINK_TTL_SECONDS: "900" }).fileLinkTtlSeconds).toBe(900);
    for (const bad of ["59", "86401", "1.5", "soon"]) {
      const problems = problemsOf({ ...VALID, FILE_LINK_TTL_SECONDS: bad });
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem).toMatch(/^FILE_LINK_TTL_SECONDS must/);
    }
  });
});
