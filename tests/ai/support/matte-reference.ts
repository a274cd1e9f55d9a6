/**
 * The matte's cut-out computed the straightforward way, as matte.ts computed it before it was
 * made fast: islands by flood fill, and blur-fusion with full-resolution box means of every plane
 * and a bilinear read per pixel. Tests hold the fast code to these results.
 */
import { boxMean, channelPlane, pooledSampler } from "../../../app/ai/filters";

/** The cut-out of `rgb` for a matte that needs no refinement (as a model sends it). */
export function referenceCutout(
  rgb: Uint8Array,
  matte: Float32Array,
  width: number,
  height: number,
): Uint8Array {
  const alpha = matte.slice();
  referenceRemoveSpecks(alpha, width, height);
  const colours = referenceForeground(rgb, alpha, width, height);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = colours[i * 3]!;
    rgba[i * 4 + 1] = colours[i * 3 + 1]!;
    rgba[i * 4 + 2] = colours[i * 3 + 2]!;
    rgba[i * 4 + 3] = Math.round(alpha[i]! * 255);
  }
  return rgba;
}

export function referenceRemoveSpecks(alpha: Float32Array, width: number, height: number) {
  const pixels = width * height;
  const labels = new Int32Array(pixels);
  const sizes: number[] = [0];
  const stack = new Int32Array(pixels);
  for (let start = 0; start < pixels; start++) {
    if (alpha[start] === 0 || labels[start] !== 0) continue;
    const label = sizes.length;
    let size = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const i = stack[--top]!;
      size += 1;
      const x = i % width;
      const y = (i - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (alpha[j] === 0 || labels[j] !== 0) continue;
          labels[j] = label;
          stack[top++] = j;
        }
      }
    }
    sizes.push(size);
  }
  const largest = sizes.reduce((a, b) => Math.max(a, b), 0);
  const keep = Math.max(16, largest * 0.002);
  for (let i = 0; i < pixels; i++) if (labels[i]! > 0 && sizes[labels[i]!]! < keep) alpha[i] = 0;
}

export function referenceForeground(
  rgb: Uint8Array,
  alpha: Float32Array,
  width: number,
  height: number,
): Uint8Array {
  const pixels = width * height;
  const scale = Math.sqrt(pixels);
  // The paper's radii (91, then 7) at about one megapixel, scaled with the image.
  const wideRadius = Math.max(8, Math.round(scale * 0.07));
  const narrowRadius = Math.max(3, Math.round(scale * 0.005));
  const partial: number[] = [];
  for (let i = 0; i < pixels; i++) if (alpha[i]! > 0 && alpha[i]! < 1) partial.push(i);
  const out = new Uint8Array(rgb);

  // Wide pass, pooled: alpha-weighted means of product (F̂) and backdrop (B̂) colours.
  const factor = Math.max(1, Math.round(wideRadius / 8));
  const gw = Math.ceil(width / factor);
  const gh = Math.ceil(height / factor);
  const grid = Array.from({ length: 8 }, () => new Float32Array(gw * gh));
  const counts = new Float32Array(gw * gh);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * gw;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const cell = row + Math.floor(x / factor);
      const a = alpha[i]!;
      counts[cell]! += 1;
      grid[0]![cell]! += a;
      grid[1]![cell]! += 1 - a;
      for (let c = 0; c < 3; c++) {
        const v = rgb[i * 3 + c]! / 255;
        grid[2 + c]![cell]! += a * v;
        grid[5 + c]![cell]! += (1 - a) * v;
      }
    }
  }
  const r = Math.max(1, Math.round(wideRadius / factor));
  const [wideF, wideB, ...sums] = grid.map((plane) => {
    for (let i = 0; i < plane.length; i++) plane[i]! /= counts[i]!;
    return boxMean(plane, gw, gh, r);
  }) as [Float32Array, Float32Array, ...Float32Array[]];
  const fHat = [0, 1, 2].map((c) => sums[c]!.map((v, i) => (wideF[i]! > 1e-5 ? v / wideF[i]! : 0)));
  const bHat = [0, 1, 2].map((c) =>
    sums[3 + c]!.map((v, i) => (wideB[i]! > 1e-5 ? v / wideB[i]! : 0)),
  );
  const readWeight = pooledSampler(wideF, gw, gh, factor);
  const readF = fHat.map((plane) => pooledSampler(plane, gw, gh, factor));
  const readB = bHat.map((plane) => pooledSampler(plane, gw, gh, factor));

  // Transparent pixels near the product take its wide average colour.
  for (let i = 0; i < pixels; i++) {
    if (alpha[i] !== 0) continue;
    const x = i % width;
    const y = (i - x) / width;
    if (readWeight(x, y) < 1e-3) continue;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(readF[c]!(x, y) * 255);
  }
  if (partial.length === 0) return out;

  // After the wide pass, F and B differ from the photo only at partial pixels.
  const F = [0, 1, 2].map((c) => channelPlane(rgb, 3, c, pixels));
  const B = F.map((plane) => plane.slice());
  for (const i of partial) {
    const x = i % width;
    const y = (i - x) / width;
    const a = alpha[i]!;
    for (let c = 0; c < 3; c++) {
      const f = readF[c]!(x, y);
      const b = readB[c]!(x, y);
      const residual = F[c]![i]! - a * f - (1 - a) * b;
      F[c]![i] = Math.min(1, Math.max(0, f + a * residual));
      B[c]![i] = Math.min(1, Math.max(0, b + (1 - a) * residual));
    }
  }

  // Narrow pass, full resolution.
  const inverse = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) inverse[i] = 1 - alpha[i]!;
  const narrowF = boxMean(alpha, width, height, narrowRadius);
  const narrowB = boxMean(inverse, width, height, narrowRadius);
  const weighted = new Float32Array(pixels);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < pixels; i++) weighted[i] = alpha[i]! * F[c]![i]!;
    const meanF = boxMean(weighted, width, height, narrowRadius);
    for (let i = 0; i < pixels; i++) weighted[i] = inverse[i]! * B[c]![i]!;
    const meanB = boxMean(weighted, width, height, narrowRadius);
    for (const i of partial) {
      const a = alpha[i]!;
      const f = narrowF[i]! > 1e-5 ? meanF[i]! / narrowF[i]! : F[c]![i]!;
      const b = narrowB[i]! > 1e-5 ? meanB[i]! / narrowB[i]! : B[c]![i]!;
      const residual = rgb[i * 3 + c]! / 255 - a * f - (1 - a) * b;
      out[i * 3 + c] = Math.round(Math.min(1, Math.max(0, f + a * residual)) * 255);
    }
  }
  return out;
}
