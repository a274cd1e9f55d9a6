import { beforeAll, describe, expect, it } from "vitest";

import { AiProviderError, createAiProvider } from "../../app/ai";
import { segmenterLoader } from "../../app/ai/local/matting.server";
import { catalogPhoto, rgba } from "./support/images";

/**
 * Real ISNet segmentation (the optional @imgly/background-removal-node) on two catalog photos:
 * a pendant lamp with a thin cord on a teal wall, and a spiny cactus on a peach backdrop. Each
 * takes seconds on a CPU, so the model is loaded once and the photos are few.
 */
const provider = createAiProvider("local");
const LAMP = "pierre-chatel-innocenti-483198-unsplash.jpg";
const CACTUS = "charles-deluvio-695736-unsplash.jpg";

type Image = Awaited<ReturnType<typeof rgba>>;
let lamp: { photo: Image; cutout: Image };
let cactus: { photo: Image; cutout: Image };

async function cutOut(file: string) {
  const input = catalogPhoto(file);
  const { cutout } = await provider.removeBackground(input);
  return { photo: await rgba(input.bytes), cutout: await rgba(cutout) };
}

beforeAll(async () => {
  lamp = await cutOut(LAMP);
  cactus = await cutOut(CACTUS);
}, 120_000);

const alphaAt = (image: Image, x: number, y: number) =>
  image.data[(Math.round(y) * image.width + Math.round(x)) * 4 + 3]!;

/** The edge band: pixels of partial alpha. */
function edgePixels(image: Image, low = 0.2, high = 0.8) {
  const found: number[] = [];
  for (let i = 0; i < image.width * image.height; i++) {
    const a = image.data[i * 4 + 3]! / 255;
    if (a > low && a < high) found.push(i);
  }
  return found;
}

/** The mean colour of the photo's fully transparent neighbours of pixel i (its local backdrop). */
function localBackdrop(cut: Image, photo: Image, i: number, radius = 12) {
  const x0 = i % cut.width;
  const y0 = Math.floor(i / cut.width);
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = Math.max(0, y0 - radius); y <= Math.min(cut.height - 1, y0 + radius); y += 2) {
    for (let x = Math.max(0, x0 - radius); x <= Math.min(cut.width - 1, x0 + radius); x += 2) {
      const j = y * cut.width + x;
      if (cut.data[j * 4 + 3] !== 0) continue;
      for (let c = 0; c < 3; c++) sum[c]! += photo.data[j * 4 + c]!;
      n++;
    }
  }
  return n > 0 ? sum.map((s) => s / n) : null;
}

/**
 * Decontamination, measured: at partly transparent edge pixels, the cut-out's colour must sit
 * further from the local backdrop colour than the photo's own (mixed) pixel did.
 */
function decontamination(cut: Image, photo: Image) {
  let further = 0;
  let counted = 0;
  for (const i of edgePixels(cut)) {
    const backdrop = localBackdrop(cut, photo, i);
    if (!backdrop) continue;
    const distance = (image: Image) =>
      Math.hypot(...[0, 1, 2].map((c) => image.data[i * 4 + c]! - backdrop[c]!));
    counted++;
    if (distance(cut) > distance(photo) + 1) further++;
  }
  return { counted, share: further / counted };
}

describe("local background removal (ISNet, refined and decontaminated)", () => {
  it("cuts out the pendant lamp: clear background, opaque shade, the thin cord kept", () => {
    const { cutout } = lamp;
    expect([cutout.width, cutout.height]).toEqual([1600, 1067]);
    for (const [x, y] of [
      [0, 0],
      [1599, 0],
      [0, 1066],
      [1599, 1066],
      [1200, 500],
    ]) {
      expect(alphaAt(cutout, x!, y!)).toBe(0);
    }
    expect(alphaAt(cutout, 0.3 * 1600, 0.6 * 1067)).toBe(255);
    // The cord, two or three pixels wide, hangs at about x = 480 above the shade.
    const cord = Array.from({ length: 21 }, (_, dx) => alphaAt(cutout, 470 + dx, 0.2 * 1067));
    expect(Math.max(...cord)).toBeGreaterThan(200);
  });

  it("gives the lamp a soft edge band whose colours no longer carry the teal wall", () => {
    expect(edgePixels(lamp.cutout).length).toBeGreaterThan(1_000);
    const { counted, share } = decontamination(lamp.cutout, lamp.photo);
    expect(counted).toBeGreaterThan(500);
    expect(share).toBeGreaterThan(0.8);
  });

  it("keeps the cactus spines as partial alpha, without the peach backdrop's colour", () => {
    const { cutout, photo } = cactus;
    expect(alphaAt(cutout, 10, 10)).toBe(0);
    expect(alphaAt(cutout, 0.5 * 1600, 0.75 * 1600)).toBe(255);
    expect(edgePixels(cutout).length).toBeGreaterThan(5_000);
    expect(decontamination(cutout, photo).share).toBeGreaterThan(0.8);
  });

  it("returns the photo's own pixels wherever the cut-out is opaque", () => {
    for (const { cutout, photo } of [lamp, cactus]) {
      let opaque = 0;
      for (let i = 0; i < cutout.width * cutout.height; i++) {
        if (cutout.data[i * 4 + 3] !== 255) continue;
        opaque++;
        for (let c = 0; c < 3; c++) {
          if (cutout.data[i * 4 + c] !== photo.data[i * 4 + c])
            throw new Error(`pixel ${i} changed`);
        }
      }
      expect(opaque).toBeGreaterThan(50_000);
    }
  });
});

describe("without the optional model package", () => {
  it("fails with a clear 'background removal model not installed' error", async () => {
    const withoutModel = createAiProvider("local", {
      matting: { loader: segmenterLoader("@imgly/background-removal-absent") },
    });
    const error = await withoutModel.removeBackground(catalogPhoto(LAMP)).catch((e) => e);
    expect(error).toBeInstanceOf(AiProviderError);
    expect(error).toMatchObject({ code: "model_not_installed", retryable: false });
    expect(error.message).toMatch(/^Background removal model not installed/);
  });
});
