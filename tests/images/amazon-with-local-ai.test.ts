import { describe, expect, it } from "vitest";

import { createAiProvider } from "~/ai";
import { processImage } from "~/images/pipeline";

import { borderValues, catalogPhoto, nonWhiteBox, pixels } from "./support";

// The whole path a merchant's "Amazon main image" takes offline: real ISNet background removal
// through the local provider, then the preset. Boxing gloves on a dark, textured backdrop: a photo
// the classical trim cannot clean.
describe("the Amazon preset with the local AI provider", () => {
  it(
    "puts the product on pure white, filling 80-90% of a 2000 px square",
    { timeout: 120_000 },
    async () => {
      const result = await processImage(catalogPhoto("neonbrand-428982-unsplash.jpg"), "amazon", {
        provider: createAiProvider("local"),
      });

      expect(result.product.found).toBe("removed");
      const image = await pixels(result.bytes);
      expect([image.width, image.height]).toEqual([2000, 2000]);
      expect(new Set(borderValues(image, 4))).toEqual(new Set([255]));
      const box = nonWhiteBox(image)!;
      const fill = Math.max(box.width, box.height) / 2000;
      expect(fill).toBeGreaterThanOrEqual(0.8);
      expect(fill).toBeLessThanOrEqual(0.9);
    },
  );
});
