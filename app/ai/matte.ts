/**
 * From a coarse matte to a cut-out that holds up when a merchant zooms in on hair, fur, glass or
 * a thin wire. Both providers use it: the local one on ISNet's matte, the Replicate one on the
 * model's.
 *
 * 1. Refinement. A segmentation network sees the photo at about 1024×1024, so its edges are soft
 *    and placed to within a few pixels. A colour guided filter with the full-resolution photo as
 *    guide moves the matte onto the photo's own edges, in a narrow band around the outline only
 *    (elsewhere the coarse decision is already certain). Where a plain backdrop shows through,
 *    the compositing equation caps alpha, which removes the haze a soft matte leaves.
 * 2. Edge colour decontamination. An edge pixel mixes product and background colour; keeping it
 *    as is leaves a fringe of the old background around the product on any new one. The product
 *    colour is estimated with blur-fusion (Forte & Pitié, "Approximate Fast Foreground Colour
 *    Estimation", ICIP 2021): two passes of F = F̂ + α(I − αF̂ − (1−α)B̂), where F̂ and B̂ are
 *    alpha-weighted local means of the product and background colours.
 *
 * Where the matte is fully opaque, the cut-out's pixels are the photo's, byte for byte.
 */
import { boxMean, channelPlane, guidedFilterColour, pooledSampler } from "./filters.ts";

type Sampler = (x: number, y: number) => number;

/**
 * Larger photos are matted at this size: the refinement keeps about a dozen float planes in
 * memory, and marketplaces and Shopify need nothing bigger (Shopify recommends 2048×2048).
 */
export const DEFAULT_MAX_MATTING_PIXELS = 12_000_000;

/**
 * The RGBA cut-out of a photo (RGB, interleaved) given a matte in [0, 1]: refined when the matte
 * is a network's coarse one, cleared of specks, its edge colours decontaminated.
 */
export function cutoutFromMatte(
  rgb: Uint8Array,
  matte: Float32Array,
  width: number,
  height: number,
  options: { refine: boolean },
): Uint8Array {
  const alpha = options.refine ? refineMatte(rgb, matte, width, height) : matte.slice();
  removeSpecks(alpha, width, height);
  const colours = estimateForeground(rgb, alpha, width, height);
  const pixels = width * height;
  const rgba = new Uint8Array(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    rgba[i * 4] = colours[i * 3]!;
    rgba[i * 4 + 1] = colours[i * 3 + 1]!;
    rgba[i * 4 + 2] = colours[i * 3 + 2]!;
    rgba[i * 4 + 3] = Math.round(alpha[i]! * 255);
  }
  return rgba;
}

/** Regularisation of the guided filter: small enough to follow single hairs, large enough not to
 * copy JPEG noise into the matte. */
const GUIDED_FILTER_EPSILON = 1e-4;

/** Overrides of refineMatte's parameters, which otherwise scale with the photo. */
export interface MatteTuning {
  /** Guided filter window radius, in pixels. */
  radius?: number;
  epsilon?: number;
  /** Pooling factor of the fast guided filter's coefficients. */
  subsample?: number;
  /** Half-width of the band around the outline that is refined. */
  band?: number;
  /** How much the coarse matte's ramp is steepened around 0.5 before filtering. */
  steepness?: number;
  /** Whether the backdrop cap applies. */
  cap?: boolean;
}

/**
 * The refined matte: the guided filter's result inside the uncertain band around the outline,
 * capped on the backdrop's side by backgroundCap; the coarse decision (0 or 1) everywhere else.
 */
export function refineMatte(
  rgb: Uint8Array,
  coarse: Float32Array,
  width: number,
  height: number,
  tuning: MatteTuning = {},
): Float32Array {
  const pixels = width * height;
  const short = Math.min(width, height);
  const bandRadius = tuning.band ?? Math.max(2, Math.round(short * 0.006));
  const hard = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) hard[i] = coarse[i]! >= 0.5 ? 1 : 0;
  // A pixel is near the outline when its neighbourhood holds both sides of the hard mask.
  const near = boxMean(hard, width, height, bandRadius);
  // A guided filter cannot sharpen a ramp across flat backdrop (it averages it); a steeper
  // input leaves it less to carry, while thin parts the network half-saw keep some alpha.
  const steepness = tuning.steepness ?? 2;
  const input = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    input[i] = Math.min(1, Math.max(0, (coarse[i]! - 0.5) * steepness + 0.5));
  }
  const refined = guidedFilterColour(
    rgb,
    3,
    input,
    width,
    height,
    tuning.radius ?? Math.max(2, Math.round(short * 0.008)),
    tuning.epsilon ?? GUIDED_FILTER_EPSILON,
    tuning.subsample ?? Math.max(1, Math.ceil(Math.sqrt(pixels / 1_000_000))),
  );
  const cap =
    tuning.cap === false ? null : backgroundCap(rgb, coarse, width, height, bandRadius * 4);
  const alpha = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const c = coarse[i]!;
    const inBand = (near[i]! > 0.001 && near[i]! < 0.999) || (c > 0.02 && c < 0.98);
    let value = inBand ? refined[i]! : hard[i]!;
    if (inBand && cap && c < 0.5 && value > 0.02) {
      value = Math.min(value, cap(i % width, Math.floor(i / width), i));
    }
    alpha[i] = value < 0.02 ? 0 : value > 0.98 ? 1 : value;
  }
  return alpha;
}

/**
 * An upper bound on alpha from the compositing equation: a pixel whose colour is the local
 * background's, within that background's own noise, shows no product. It is only trusted where
 * the background is plain (a studio backdrop, a wall), which is where a soft matte leaves a
 * visible haze; on busy backgrounds the bound is 1. The backdrop's local colour and noise vary
 * slowly, so they are gathered on a coarse grid and read back bilinearly, for the few pixels
 * that need them.
 */
function backgroundCap(
  rgb: Uint8Array,
  coarse: Float32Array,
  width: number,
  height: number,
  radius: number,
): (x: number, y: number, i: number) => number {
  const factor = Math.max(1, Math.round(radius / 6));
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  // Per grid cell, means of: is-backdrop, and the backdrop's colours and squared colours.
  const cells = Array.from({ length: 7 }, () => new Float32Array(w * h));
  const counts = new Float32Array(w * h);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * w;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const cell = row + Math.floor(x / factor);
      counts[cell]! += 1;
      if (coarse[i]! >= 0.05) continue;
      cells[0]![cell]! += 1;
      for (let c = 0; c < 3; c++) {
        const v = rgb[i * 3 + c]! / 255;
        cells[1 + c]![cell]! += v;
        cells[4 + c]![cell]! += v * v;
      }
    }
  }
  const r = Math.max(1, Math.round(radius / factor));
  const [weight, ...moments] = cells.map((plane) => {
    for (let i = 0; i < plane.length; i++) plane[i]! /= counts[i]!;
    return boxMean(plane, w, h, r);
  }) as [Float32Array, ...Float32Array[]];
  const means = [new Float32Array(w * h), new Float32Array(w * h), new Float32Array(w * h)];
  const noise = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const share = Math.max(weight[i]!, 1e-6);
    let variance = 0;
    for (let c = 0; c < 3; c++) {
      const mean = moments[c]![i]! / share;
      means[c]![i] = mean;
      variance += Math.max(0, moments[3 + c]![i]! / share - mean * mean);
    }
    noise[i] = Math.sqrt(variance);
  }
  const [readWeight, readNoise, ...readMeans] = [weight, noise, ...means].map((plane) =>
    pooledSampler(plane, w, h, factor),
  ) as [Sampler, Sampler, ...Sampler[]];
  return (x, y, i) => {
    const deviation = readNoise(x, y);
    if (readWeight(x, y) < 0.15 || deviation > 0.06) return 1;
    let distance = 0;
    for (let c = 0; c < 3; c++) distance += (rgb[i * 3 + c]! / 255 - readMeans[c]!(x, y)) ** 2;
    const start = 2.5 * deviation + 0.02;
    return Math.min(1, Math.max(0, (Math.sqrt(distance) - start) / 0.1));
  };
}

/**
 * Clears islands of matte far smaller than the product (a bright speck of background, a bit of
 * dust) in place: they would otherwise float in the new scene and widen the product's trimmed
 * box. Parts of a product that are apart (a pair of shoes) are each far above the threshold.
 */
export function removeSpecks(alpha: Float32Array, width: number, height: number) {
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
  const largest = Math.max(...sizes);
  const keep = Math.max(16, largest * 0.002);
  for (let i = 0; i < pixels; i++) if (labels[i]! > 0 && sizes[labels[i]!]! < keep) alpha[i] = 0;
}

/**
 * Product colours for every pixel (RGB, interleaved): the photo's own where alpha is 1, the
 * blur-fusion estimate where it is partial, so edges carry no background colour, and a wide
 * average of the nearby product colour where it is 0, so that lossy encoders and naive resizers
 * bleed product colour, not the old backdrop, into the edge.
 *
 * The estimate only differs from the photo at partial pixels, so only they are computed: the
 * wide pass on a pooled grid (its radius is ~7% of the image: nothing fine survives it anyway),
 * the narrow pass at full resolution.
 */
export function estimateForeground(
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
