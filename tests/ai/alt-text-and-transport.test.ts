import { describe, expect, it } from "vitest";

import { altTextFromCaption, cleanCaption, nameColour } from "../../app/ai/alt-text";
import { parseRetryAfter } from "../../app/ai/replicate/transport.server";

describe("alt text wording", () => {
  it("strips a captioner's preamble and keeps its first sentence", () => {
    expect(cleanCaption("The image shows a red ceramic mug on a wooden table. It is empty.")).toBe(
      "a red ceramic mug on a wooden table",
    );
    expect(cleanCaption("Caption: USB cable coiled on white")).toBe("USB cable coiled on white");
  });

  it("keeps within about 125 characters by trimming the caption, never the title", () => {
    const text = altTextFromCaption(
      { title: "Hand-thrown Stoneware Coffee Mug with Speckled Glaze", vendor: "Kiln & Co" },
      "a speckled cream stoneware mug with a thick handle standing on a rough linen cloth next to a small pile of coffee beans and a spoon",
    );
    expect(
      text.startsWith(
        "Hand-thrown Stoneware Coffee Mug with Speckled Glaze by Kiln & Co: a speckled",
      ),
    ).toBe(true);
    expect(text.length).toBeLessThanOrEqual(125);
    expect(text).not.toMatch(/\s$/);
  });

  it("names colours coarsely, only as surely as it can", () => {
    expect(nameColour(250, 250, 250)).toBe("white");
    expect(nameColour(20, 20, 22)).toBe("black");
    expect(nameColour(200, 40, 40)).toBe("red");
    expect(nameColour(40, 90, 200)).toBe("blue");
    expect(nameColour(110, 70, 40)).toBe("brown");
  });
});

describe("Retry-After", () => {
  it("reads delta-seconds and HTTP dates", () => {
    const now = Date.parse("2026-11-23T10:00:00Z");
    expect(parseRetryAfter("30", now)).toBe(30_000);
    expect(parseRetryAfter("Mon, 23 Nov 2026 10:00:05 GMT", now)).toBe(5_000);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
