import { describe, expect, it } from "vitest";

import { privacyStatement } from "~/settings/privacy.server";

describe("what the privacy page says about retention", () => {
  it("states the automatic deletion with the shop's own periods and the restore window", () => {
    const sections = privacyStatement({
      env: { aiProvider: "local", aiProviderChoices: ["local"], fileLinkTtlSeconds: 3600 },
      settings: { aiProvider: "local", retentionDays: 7, resultRetentionDays: 90 },
    });
    const text = sections
      .flatMap((section) => [...section.paragraphs, ...(section.items ?? [])])
      .join("\n");
    expect(text).not.toMatch(/not running yet/);
    expect(text).toContain(
      "a source image 7 days after it was downloaded, or, when its result was written to your store, 7 days after that write, which is how long you can restore the original",
    );
    expect(text).toContain("an approved result 90 days after you approved it");
    expect(text).toContain("kept for 365 days");
  });
});
