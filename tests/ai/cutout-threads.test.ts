/**
 * Cut-outs on the pool's threads are the cut-outs of ../../app/ai/matte.ts, byte for byte, and
 * leave the event loop free while they are computed.
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";

import {
  CutoutPool,
  cutoutFromMatteOffThread,
  cutoutFromModelOutputOffThread,
} from "../../app/ai/cutout-threads.server";
import { cutoutFromAlpha, cutoutFromMatte } from "../../app/ai/matte";
import { AiProviderError } from "../../app/ai/provider";

/** A soft-edged disc on a noisy backdrop, as RGB and an 8-bit alpha. */
function scene(width: number, height: number, seed: number) {
  const rgb = new Uint8Array(width * height * 3);
  const alpha = new Uint8Array(width * height);
  let state = seed;
  const noise = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 20;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const edge = Math.hypot(x - width / 2, y - height / 2) - height / 3;
      const a = Math.min(1, Math.max(0, 0.5 - edge / 5));
      alpha[i] = Math.round(a * 255);
      const product = [210, 40 + (x % 60), 30];
      const backdrop = [30 + noise(), 150 + noise(), 70 + noise()];
      for (let c = 0; c < 3; c++)
        rgb[i * 3 + c] = Math.round(a * product[c]! + (1 - a) * backdrop[c]!);
    }
  }
  return { rgb, alpha, width, height };
}

/**
 * A scene as a model's files: the photo (a lossless PNG, so it decodes to the scene's pixels) and
 * the model's output, an RGBA PNG whose alpha is the matte.
 */
async function modelFiles({ rgb, alpha, width, height }: ReturnType<typeof scene>) {
  const photo = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba[i * 4 + 3] = alpha[i]!;
  const output = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
  return { photo, output };
}

const cutoutOf = (s: ReturnType<typeof scene>) =>
  cutoutFromAlpha(s.rgb, s.alpha, s.width, s.height);

describe("cut-outs on worker threads", () => {
  it("computes the same bytes as on the calling thread, and leaves the inputs as they were", async () => {
    const scenes = [scene(320, 240, 1), scene(200, 300, 2), scene(257, 129, 3)];
    for (const s of scenes) {
      const { rgb, alpha, width, height } = s;
      const rgbBefore = Buffer.from(rgb);
      const alphaBefore = Buffer.from(alpha);
      const { photo, output } = await modelFiles(s);
      const photoBefore = Buffer.from(photo);
      const off = await cutoutFromModelOutputOffThread(photo, output);
      expect([off.width, off.height]).toEqual([width, height]);
      expect(Buffer.from(off.data).equals(Buffer.from(cutoutOf(s)))).toBe(true);
      expect(photo.equals(photoBefore)).toBe(true);
      const matte = Float32Array.from(alpha, (a) => a / 255);
      for (const refine of [false, true]) {
        const offMatte = await cutoutFromMatteOffThread(rgb, matte, width, height, { refine });
        const onMatte = cutoutFromMatte(rgb, matte, width, height, { refine });
        expect(Buffer.from(offMatte).equals(Buffer.from(onMatte))).toBe(true);
      }
      expect(Buffer.from(rgb).equals(rgbBefore)).toBe(true);
      expect(Buffer.from(alpha).equals(alphaBefore)).toBe(true);
    }
  });

  it("takes more cut-outs at once than it has threads, and answers each with its own", async () => {
    const scenes = Array.from({ length: 9 }, (_, k) => scene(160 + k * 7, 120 + k * 5, k + 11));
    const files = await Promise.all(scenes.map(modelFiles));
    const results = await Promise.all(
      files.map(({ photo, output }) => cutoutFromModelOutputOffThread(photo, output)),
    );
    results.forEach((cutout, k) => {
      const s = scenes[k]!;
      expect(cutout.data.length).toBe(s.width * s.height * 4);
      expect(Buffer.from(cutout.data).equals(Buffer.from(cutoutOf(s)))).toBe(true);
    });
  });

  it("keeps the event loop turning while a large cut-out is computed", async () => {
    const big = scene(1600, 1600, 5);
    const { photo, output } = await modelFiles(big);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const started = performance.now();
    await cutoutFromModelOutputOffThread(photo, output);
    const elapsed = performance.now() - started;
    clearInterval(ticker);
    // On the calling thread the timer could not fire at all until the cut-out was done.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 5 / 4));
    expect(ticks).toBeGreaterThan(2);
  });

  it("still answers when its threads cannot start: the cut-out is computed on the calling thread", async () => {
    const broken = new CutoutPool(2, new URL("data:text/javascript,throw new Error('no module')"));
    const scenes = [scene(120, 90, 21), scene(90, 120, 22), scene(100, 100, 23)];
    const files = await Promise.all(scenes.map(modelFiles));
    const results = await Promise.all(
      files.map((file) => broken.run({ kind: "model-output", ...file })),
    );
    results.forEach((cutout, k) => {
      expect(Buffer.from(cutout.data).equals(Buffer.from(cutoutOf(scenes[k]!)))).toBe(true);
    });
  });

  it("reports a photo it cannot read as the provider's error, from a thread or not", async () => {
    const { output } = await modelFiles(scene(60, 40, 31));
    const garbage = Buffer.from("not an image at all");
    const broken = new CutoutPool(1, new URL("data:text/javascript,throw new Error('no module')"));
    for (const attempt of [
      cutoutFromModelOutputOffThread(garbage, output),
      broken.run({ kind: "model-output", photo: garbage, output }),
    ]) {
      const error = await attempt.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AiProviderError);
      expect(error).toMatchObject({ code: "unreadable_image", retryable: false });
      expect((error as Error).message).toMatch(/couldn't read this photo/);
    }
  });
});
