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
import { boxMean, guidedFilterColour, pooledSampler } from "./filters.ts";

type Sampler = (x: number, y: number) => number;

/**
 * Larger photos are matted at this size: the refinement keeps about a dozen float planes in
 * memory, and marketplaces and Shopify need nothing bigger (Shopify recommends 2048×2048).
 */
export const DEFAULT_MAX_MATTING_PIXELS = 12_000_000;

/** k / 255 for every 8-bit alpha k. */
const UNIT_ALPHA = Float32Array.from({ length: 256 }, (_, k) => k / 255);

/** Typed arrays use the platform's byte order: RGBA packs into a 32-bit word as ABGR only here. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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
  const region = productRegion(alpha, width, height);
  if (!region) return cutoutFromAlphaPlane(rgb, alpha, width, height);
  const crop = cropPlane(alpha, width, region, (value) => value);
  return cutoutInRegion(rgb, crop, width, height, region);
}

/**
 * The same cut-out from an 8-bit alpha channel as a model sends it back (not refined): the
 * Replicate provider's path.
 */
export function cutoutFromAlpha(
  rgb: Uint8Array,
  alpha8: Uint8Array,
  width: number,
  height: number,
): Uint8Array {
  const region = productRegion(alpha8, width, height);
  if (!region) {
    const alpha = new Float32Array(width * height);
    for (let i = 0; i < alpha.length; i++) alpha[i] = UNIT_ALPHA[alpha8[i]!]!;
    return cutoutFromAlphaPlane(rgb, alpha, width, height);
  }
  const crop = cropPlane(alpha8, width, region, (value) => UNIT_ALPHA[value]!);
  return cutoutInRegion(rgb, crop, width, height, region);
}

function cutoutFromAlphaPlane(
  rgb: Uint8Array,
  alpha: Float32Array,
  width: number,
  height: number,
  radii: BlurFusionRadii = blurFusionRadii(width, height),
): Uint8Array {
  removeSpecks(alpha, width, height);
  const pixels = width * height;
  const rgba = new Uint8Array(pixels * 4);
  if (LITTLE_ENDIAN) {
    // A pixel a store: byte-wise interleaving was a sizeable share of the cut-out's time.
    const words = new Uint32Array(rgba.buffer, rgba.byteOffset, pixels);
    for (let i = 0, c = 0; i < pixels; i++, c += 3) {
      const a = Math.round(alpha[i]! * 255);
      words[i] = (rgb[c]! | (rgb[c + 1]! << 8) | (rgb[c + 2]! << 16) | (a << 24)) >>> 0;
    }
  } else {
    for (let i = 0; i < pixels; i++) {
      rgba[i * 4] = rgb[i * 3]!;
      rgba[i * 4 + 1] = rgb[i * 3 + 1]!;
      rgba[i * 4 + 2] = rgb[i * 3 + 2]!;
      rgba[i * 4 + 3] = Math.round(alpha[i]! * 255);
    }
  }
  foregroundInto(rgb, alpha, width, height, rgba, 4, radii);
  return rgba;
}

/** A rectangle of the photo, in pixels: [left, right) × [top, bottom). */
interface Region {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Where the cut-out's work has to happen: the box around every pixel the matte keeps, grown by
 * the reach of blur-fusion's windows, or null when that is most of the photo anyway. Outside it
 * the cut-out is fully transparent and its colours are the photo's, as the whole-photo
 * computation leaves them, so a product that fills a third of its photo costs a third as much.
 * The box's edges fall on the wide pass's pooling grid, which then pools the same pixels.
 */
function productRegion(
  alpha: Uint8Array | Float32Array,
  width: number,
  height: number,
): Region | null {
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) {
      if (alpha[o + x] !== 0) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    let last = width - 1;
    while (alpha[o + last] === 0) last--;
    if (y < top) top = y;
    bottom = y;
    if (first < left) left = first;
    if (last > right) right = last;
  }
  if (bottom < 0) return null;
  const { wideRadius, narrowRadius } = blurFusionRadii(width, height);
  const factor = poolingFactor(wideRadius);
  const cells = Math.max(1, Math.round(wideRadius / factor));
  // A partial pixel reads the pooled grid a cell either side of its own, each cell averaging
  // `cells` cells around it; the narrow pass sums over tiles grown by its radius.
  const margin = Math.max((cells + 3) * factor, NARROW_TILE + narrowRadius + 1);
  const region = {
    left: Math.floor(Math.max(0, left - margin) / factor) * factor,
    top: Math.floor(Math.max(0, top - margin) / factor) * factor,
    right: Math.min(width, Math.ceil((right + 1 + margin) / factor) * factor),
    bottom: Math.min(height, Math.ceil((bottom + 1 + margin) / factor) * factor),
  };
  const area = (region.right - region.left) * (region.bottom - region.top);
  return area > 0.8 * width * height ? null : region;
}

/** The region's part of a per-pixel plane, as alpha in [0, 1]. */
function cropPlane<T extends Uint8Array | Float32Array>(
  plane: T,
  width: number,
  { left, top, right, bottom }: Region,
  toAlpha: (value: number) => number,
): Float32Array {
  const cw = right - left;
  const out = new Float32Array(cw * (bottom - top));
  for (let y = top; y < bottom; y++) {
    const from = y * width + left;
    const to = (y - top) * cw;
    for (let x = 0; x < cw; x++) out[to + x] = toAlpha(plane[from + x]!);
  }
  return out;
}

/**
 * The cut-out computed on the region only (with the whole photo's blur-fusion radii), laid into
 * the whole photo's frame: transparent, with the photo's colours, everywhere else.
 */
function cutoutInRegion(
  rgb: Uint8Array,
  alpha: Float32Array,
  width: number,
  height: number,
  region: Region,
): Uint8Array {
  const { left, top, right, bottom } = region;
  const cw = right - left;
  const ch = bottom - top;
  const rgbCrop = new Uint8Array(cw * ch * 3);
  for (let y = top; y < bottom; y++) {
    rgbCrop.set(rgb.subarray((y * width + left) * 3, (y * width + right) * 3), (y - top) * cw * 3);
  }
  const inner = cutoutFromAlphaPlane(rgbCrop, alpha, cw, ch, blurFusionRadii(width, height));
  const pixels = width * height;
  const rgba = new Uint8Array(pixels * 4);
  if (LITTLE_ENDIAN) {
    const words = new Uint32Array(rgba.buffer, rgba.byteOffset, pixels);
    for (let i = 0, c = 0; i < pixels; i++, c += 3) {
      words[i] = rgb[c]! | (rgb[c + 1]! << 8) | (rgb[c + 2]! << 16);
    }
  } else {
    for (let i = 0, c = 0; i < pixels; i++, c += 3) {
      rgba[i * 4] = rgb[c]!;
      rgba[i * 4 + 1] = rgb[c + 1]!;
      rgba[i * 4 + 2] = rgb[c + 2]!;
    }
  }
  for (let y = top; y < bottom; y++) {
    rgba.set(inner.subarray((y - top) * cw * 4, (y - top + 1) * cw * 4), (y * width + left) * 4);
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
 *
 * Islands are found 8-connected, as runs of non-zero alpha joined to the runs of the row above
 * (union-find over runs): each pixel is read once, where a flood fill also read every pixel's
 * eight neighbours.
 */
export function removeSpecks(alpha: Float32Array, width: number, height: number) {
  let capacity = 1024;
  let starts = new Int32Array(capacity);
  let ends = new Int32Array(capacity);
  let parent = new Int32Array(capacity);
  let runs = 0;
  const find = (run: number) => {
    let root = run;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[run] !== root) {
      const next = parent[run]!;
      parent[run] = root;
      run = next;
    }
    return root;
  };
  const rowFirst = new Int32Array(height + 1);
  for (let y = 0; y < height; y++) {
    rowFirst[y] = runs;
    const o = y * width;
    let above = y > 0 ? rowFirst[y - 1]! : 0;
    const aboveEnd = runs;
    let x = 0;
    while (x < width) {
      if (alpha[o + x] === 0) {
        x++;
        continue;
      }
      const start = x;
      while (x < width && alpha[o + x] !== 0) x++;
      if (runs === capacity) {
        capacity *= 2;
        const grow = (old: Int32Array) => {
          const next = new Int32Array(capacity);
          next.set(old);
          return next;
        };
        starts = grow(starts);
        ends = grow(ends);
        parent = grow(parent);
      }
      const run = runs++;
      starts[run] = start;
      ends[run] = x;
      parent[run] = run;
      // Runs of the row above touching [start - 1, x] (diagonals included) join this one.
      while (above < aboveEnd && ends[above]! < start) above++;
      for (let k = above; k < aboveEnd && starts[k]! <= x; k++) {
        const a = find(k);
        const b = find(run);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  rowFirst[height] = runs;
  if (runs === 0) return;
  const sizes = new Float64Array(runs);
  let largest = 0;
  for (let run = 0; run < runs; run++) {
    const root = find(run);
    sizes[root]! += ends[run]! - starts[run]!;
    if (sizes[root]! > largest) largest = sizes[root]!;
  }
  const keep = Math.max(16, largest * 0.002);
  for (let y = 0; y < height; y++) {
    for (let run = rowFirst[y]!; run < rowFirst[y + 1]!; run++) {
      if (sizes[parent[run]!]! < keep)
        alpha.fill(0, y * width + starts[run]!, y * width + ends[run]!);
    }
  }
}

/**
 * Product colours for every pixel (RGB, interleaved): the photo's own where alpha is 1, the
 * blur-fusion estimate where it is partial, so edges carry no background colour, and a wide
 * average of the nearby product colour where it is 0, so that lossy encoders and naive resizers
 * bleed product colour, not the old backdrop, into the edge.
 */
export function estimateForeground(
  rgb: Uint8Array,
  alpha: Float32Array,
  width: number,
  height: number,
): Uint8Array {
  const out = new Uint8Array(rgb);
  foregroundInto(rgb, alpha, width, height, out, 3);
  return out;
}

/** Edge length of the tiles the narrow pass sums over (see narrowPass). */
const NARROW_TILE = 64;

interface BlurFusionRadii {
  wideRadius: number;
  narrowRadius: number;
}

/** The paper's radii (91, then 7) at about one megapixel, scaled with the image. */
function blurFusionRadii(width: number, height: number): BlurFusionRadii {
  const scale = Math.sqrt(width * height);
  return {
    wideRadius: Math.max(8, Math.round(scale * 0.07)),
    narrowRadius: Math.max(3, Math.round(scale * 0.005)),
  };
}

/** The wide pass pools this many pixels a side into a cell of its grid. */
function poolingFactor(wideRadius: number) {
  return Math.max(1, Math.round(wideRadius / 8));
}

/**
 * estimateForeground's work, on `out`: the photo's colours, 3 or 4 bytes a pixel (a fourth byte
 * is left alone).
 *
 * The estimate only differs from the photo at partial and transparent pixels, so only they are
 * computed: the wide pass on a pooled grid (its radius is ~7% of the image: nothing fine survives
 * it anyway), read back row by row; the narrow pass as window sums at the partial pixels only.
 */
function foregroundInto(
  rgb: Uint8Array,
  alpha: Float32Array,
  width: number,
  height: number,
  out: Uint8Array,
  stride: 3 | 4,
  { wideRadius, narrowRadius }: BlurFusionRadii = blurFusionRadii(width, height),
) {
  // Wide pass, pooled: alpha-weighted means of product (F̂) and backdrop (B̂) colours. A cell's
  // backdrop sums are its totals less its product sums.
  const factor = poolingFactor(wideRadius);
  const gw = Math.ceil(width / factor);
  const gh = Math.ceil(height / factor);
  const cells = gw * gh;
  const { sumA, sumV, sumAV, partialCount } = wideSums(
    rgb,
    alpha,
    width,
    height,
    factor,
    gw,
    cells,
  );
  const counts = new Float64Array(cells);
  for (let gy = 0; gy < gh; gy++) {
    const rows = Math.min(factor, height - gy * factor);
    for (let gx = 0; gx < gw; gx++)
      counts[gy * gw + gx] = rows * Math.min(factor, width - gx * factor);
  }
  const r = Math.max(1, Math.round(wideRadius / factor));
  const mean = (sum: (i: number) => number) => {
    const plane = new Float32Array(cells);
    for (let i = 0; i < cells; i++) plane[i] = sum(i) / counts[i]!;
    return boxMean(plane, gw, gh, r);
  };
  const wideF = mean((i) => sumA[i]!);
  const wideB = mean((i) => counts[i]! - sumA[i]!);
  const fHat = [0, 1, 2].map((c) => {
    const sums = mean((i) => sumAV[c]![i]! / 255);
    return sums.map((v, i) => (wideF[i]! > 1e-5 ? v / wideF[i]! : 0));
  });
  const bHat = [0, 1, 2].map((c) => {
    const sums = mean((i) => (sumV[c]![i]! - sumAV[c]![i]!) / 255);
    return sums.map((v, i) => (wideB[i]! > 1e-5 ? v / wideB[i]! : 0));
  });

  const partial = new Int32Array(partialCount);
  const rowFirst = new Int32Array(height + 1);
  const F = new Float32Array(partialCount * 3);
  const B = new Float32Array(partialCount * 3);
  const pooled = { planes: [wideF, ...fHat, ...bHat], width: gw, height: gh, factor };
  const partials = { partial, rowFirst, F, B };
  wideRead(rgb, alpha, width, height, pooled, out, stride, partials);
  if (partialCount > 0) narrowPass(rgb, alpha, width, height, partials, narrowRadius, out, stride);
}

/** Per cell of the wide pass's grid: sums of alpha, of colour, and of alpha × colour (0-255). */
function wideSums(
  rgb: Uint8Array,
  alpha: Float32Array,
  width: number,
  height: number,
  factor: number,
  gw: number,
  cells: number,
) {
  const sumA = new Float64Array(cells);
  const sumV = [new Float64Array(cells), new Float64Array(cells), new Float64Array(cells)];
  const sumAV = [new Float64Array(cells), new Float64Array(cells), new Float64Array(cells)];
  const [v0, v1, v2] = sumV as [Float64Array, Float64Array, Float64Array];
  const [av0, av1, av2] = sumAV as [Float64Array, Float64Array, Float64Array];
  let partialCount = 0;
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * gw;
    // A cell's share of the row is summed in locals, then added once.
    for (let gx = 0; gx < gw; gx++) {
      const end = y * width + Math.min(width, (gx + 1) * factor);
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      let ar = 0;
      let ag = 0;
      let ab = 0;
      for (let i = y * width + gx * factor; i < end; i++) {
        const value = alpha[i]!;
        const red = rgb[i * 3]!;
        const green = rgb[i * 3 + 1]!;
        const blue = rgb[i * 3 + 2]!;
        r += red;
        g += green;
        b += blue;
        if (value === 0) continue;
        a += value;
        ar += value * red;
        ag += value * green;
        ab += value * blue;
        if (value < 1) partialCount++;
      }
      const cell = row + gx;
      v0[cell]! += r;
      v1[cell]! += g;
      v2[cell]! += b;
      sumA[cell]! += a;
      av0[cell]! += ar;
      av1[cell]! += ag;
      av2[cell]! += ab;
    }
  }
  return { sumA, sumV, sumAV, partialCount };
}

interface PartialPixels {
  /** Their indices, in raster order. */
  partial: Int32Array;
  /** Index in `partial` of each row's first partial pixel (and the count, at `height`). */
  rowFirst: Int32Array;
  /** First estimates of their product and backdrop colours (RGB, in [0, 1]). */
  F: Float32Array;
  B: Float32Array;
}

/**
 * Reads the wide pass back at full resolution, where it is needed: transparent pixels near the
 * product take its wide average colour, and partial pixels get their first estimate of F and B
 * (which, after the wide pass, differ from the photo only there). The pooled planes (weight, F̂,
 * B̂) are read bilinearly, in pooledSampler's order of operations, a grid row pair at a time.
 */
function wideRead(
  rgb: Uint8Array,
  alpha: Float32Array,
  width: number,
  height: number,
  pooled: { planes: Float32Array[]; width: number; height: number; factor: number },
  out: Uint8Array,
  stride: number,
  { partial, rowFirst, F, B }: PartialPixels,
) {
  const { planes, width: gw, height: gh, factor } = pooled;
  const { x0s, x1s, fxs } = poolColumns(width, gw, factor);
  // Per plane, the grid row above each pixel row and the step to the row below, read at every
  // column: a pixel then needs one multiply-add per plane.
  const top = planes.map(() => new Float64Array(width));
  const step = planes.map(() => new Float64Array(width));
  const below = new Float64Array(width);
  const [tw, tf0, tf1, tf2, tb0, tb1, tb2] = top as Row7;
  const [dw, df0, df1, df2, db0, db1, db2] = step as Row7;
  let cachedRow = -1;
  let k = 0;
  for (let y = 0; y < height; y++) {
    rowFirst[y] = k;
    const o = y * width;
    let opaque = true;
    for (let x = 0; x < width; x++) {
      if (alpha[o + x]! < 1) {
        opaque = false;
        break;
      }
    }
    if (opaque) continue;
    const sy = Math.min(Math.max((y + 0.5) / factor - 0.5, 0), gh - 1);
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    if (y0 !== cachedRow) {
      cachedRow = y0;
      const t = y0 * gw;
      const b = Math.min(y0 + 1, gh - 1) * gw;
      for (let p = 0; p < planes.length; p++) {
        const upper = top[p]!;
        const delta = step[p]!;
        lerpRow(planes[p]!, t, x0s, x1s, fxs, upper);
        lerpRow(planes[p]!, b, x0s, x1s, fxs, below);
        for (let x = 0; x < width; x++) delta[x] = below[x]! - upper[x]!;
      }
    }
    for (let x = 0; x < width; x++) {
      const i = o + x;
      const a = alpha[i]!;
      if (a === 0) {
        if (tw[x]! + dw[x]! * fy < 1e-3) continue;
        const at = i * stride;
        out[at] = Math.round((tf0[x]! + df0[x]! * fy) * 255);
        out[at + 1] = Math.round((tf1[x]! + df1[x]! * fy) * 255);
        out[at + 2] = Math.round((tf2[x]! + df2[x]! * fy) * 255);
        continue;
      }
      if (a >= 1) continue;
      partial[k] = i;
      const rest = 1 - a;
      const at = i * 3;
      const f0 = tf0[x]! + df0[x]! * fy;
      const b0 = tb0[x]! + db0[x]! * fy;
      const r0 = rgb[at]! / 255 - a * f0 - rest * b0;
      F[k * 3] = Math.min(1, Math.max(0, f0 + a * r0));
      B[k * 3] = Math.min(1, Math.max(0, b0 + rest * r0));
      const f1 = tf1[x]! + df1[x]! * fy;
      const b1 = tb1[x]! + db1[x]! * fy;
      const r1 = rgb[at + 1]! / 255 - a * f1 - rest * b1;
      F[k * 3 + 1] = Math.min(1, Math.max(0, f1 + a * r1));
      B[k * 3 + 1] = Math.min(1, Math.max(0, b1 + rest * r1));
      const f2 = tf2[x]! + df2[x]! * fy;
      const b2 = tb2[x]! + db2[x]! * fy;
      const r2 = rgb[at + 2]! / 255 - a * f2 - rest * b2;
      F[k * 3 + 2] = Math.min(1, Math.max(0, f2 + a * r2));
      B[k * 3 + 2] = Math.min(1, Math.max(0, b2 + rest * r2));
      k++;
    }
  }
  rowFirst[height] = k;
}

/** One grid row read at every column, as pooledSampler's horizontal step. */
function lerpRow(
  plane: Float32Array,
  rowStart: number,
  x0s: Int32Array,
  x1s: Int32Array,
  fxs: Float64Array,
  out: Float64Array,
) {
  for (let x = 0; x < out.length; x++) {
    const fx = fxs[x]!;
    out[x] = plane[rowStart + x0s[x]!]! * (1 - fx) + plane[rowStart + x1s[x]!]! * fx;
  }
}

type Row7 = [
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
  Float64Array,
];

/** For each column, the two pooled cells it is read between and its weight (pooledSampler's). */
function poolColumns(width: number, gw: number, factor: number) {
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const fxs = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const sx = Math.min(Math.max((x + 0.5) / factor - 0.5, 0), gw - 1);
    x0s[x] = Math.floor(sx);
    x1s[x] = Math.min(x0s[x]! + 1, gw - 1);
    fxs[x] = sx - x0s[x]!;
  }
  return { x0s, x1s, fxs };
}

/**
 * The narrow blur-fusion pass at full resolution, evaluated at partial pixels only. A pixel
 * needs alpha-weighted means of F and B over its window (clipped to the image): the image is cut
 * into tiles and, for each tile holding partial pixels, summed-area tables are built over the
 * tile grown by the window radius, so pixels far from any partial one cost nothing. (The means of
 * a clipped window are sums over the same window on both sides of each ratio, so only sums are
 * needed, plus the window's area.)
 */
function narrowPass(
  rgb: Uint8Array,
  alpha: Float32Array,
  width: number,
  height: number,
  { partial, rowFirst, F, B }: PartialPixels,
  radius: number,
  out: Uint8Array,
  stride: number,
) {
  const T = NARROW_TILE;
  const side = T + 2 * radius + 1;
  // Seven interleaved tables of sums: alpha, alpha·F (3), (1 − alpha)·B (3).
  const sat = new Float64Array(7 * side * side);
  // The first partial pixel of each row at or right of the current tile.
  const cursor = rowFirst.slice(0, height);
  const firstAtOrAfter = (y: number, x: number) => {
    let low = rowFirst[y]!;
    let high = rowFirst[y + 1]!;
    const target = y * width + x;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (partial[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  for (let ty = 0; ty * T < height; ty++) {
    const tileTop = ty * T;
    const tileBottom = Math.min(height, tileTop + T);
    for (let tx = 0; tx * T < width; tx++) {
      const tileRight = Math.min(width, (tx + 1) * T);
      let any = false;
      for (let y = tileTop; y < tileBottom && !any; y++) {
        const k = cursor[y]!;
        any = k < rowFirst[y + 1]! && partial[k]! < y * width + tileRight;
      }
      if (!any) continue;
      const left = Math.max(0, tx * T - radius);
      const top = Math.max(0, tileTop - radius);
      const right = Math.min(width, tileRight + radius);
      const bottom = Math.min(height, tileBottom + radius);
      // Row 0 and column 0 of the tables are zeros.
      const w = right - left + 1;
      sat.fill(0, 0, 7 * w);
      for (let y = top; y < bottom; y++) {
        let at = (y - top + 1) * w * 7;
        sat.fill(0, at, at + 7);
        let k = firstAtOrAfter(y, left);
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let s4 = 0;
        let s5 = 0;
        let s6 = 0;
        for (let i = y * width + left, end = y * width + right; i < end; i++) {
          const a = alpha[i]!;
          s0 += a;
          if (a === 1) {
            s1 += rgb[i * 3]! / 255;
            s2 += rgb[i * 3 + 1]! / 255;
            s3 += rgb[i * 3 + 2]! / 255;
          } else if (a === 0) {
            s4 += rgb[i * 3]! / 255;
            s5 += rgb[i * 3 + 1]! / 255;
            s6 += rgb[i * 3 + 2]! / 255;
          } else {
            const rest = 1 - a;
            s1 += a * F[k * 3]!;
            s2 += a * F[k * 3 + 1]!;
            s3 += a * F[k * 3 + 2]!;
            s4 += rest * B[k * 3]!;
            s5 += rest * B[k * 3 + 1]!;
            s6 += rest * B[k * 3 + 2]!;
            k++;
          }
          at += 7;
          const up = at - w * 7;
          sat[at] = sat[up]! + s0;
          sat[at + 1] = sat[up + 1]! + s1;
          sat[at + 2] = sat[up + 2]! + s2;
          sat[at + 3] = sat[up + 3]! + s3;
          sat[at + 4] = sat[up + 4]! + s4;
          sat[at + 5] = sat[up + 5]! + s5;
          sat[at + 6] = sat[up + 6]! + s6;
        }
      }
      for (let y = tileTop; y < tileBottom; y++) {
        const rowEnd = rowFirst[y + 1]!;
        const limit = y * width + tileRight;
        let k = cursor[y]!;
        const y0 = (Math.max(0, y - radius) - top) * w;
        const y1 = (Math.min(height - 1, y + radius) - top + 1) * w;
        const rows = (y1 - y0) / w;
        for (; k < rowEnd && partial[k]! < limit; k++) {
          const i = partial[k]!;
          const x = i - y * width;
          const x0 = Math.max(0, x - radius) - left;
          const x1 = Math.min(width - 1, x + radius) - left + 1;
          const area = (x1 - x0) * rows;
          const a11 = (y1 + x1) * 7;
          const a01 = (y0 + x1) * 7;
          const a10 = (y1 + x0) * 7;
          const a00 = (y0 + x0) * 7;
          const sumA = sat[a11]! - sat[a01]! - sat[a10]! + sat[a00]!;
          const sumInverse = area - sumA;
          const a = alpha[i]!;
          const rest = 1 - a;
          const productSeen = sumA / area > 1e-5;
          const backdropSeen = sumInverse / area > 1e-5;
          const at = i * stride;
          for (let c = 0; c < 3; c++) {
            const pf = 1 + c;
            const pb = 4 + c;
            const f = productSeen
              ? (sat[a11 + pf]! - sat[a01 + pf]! - sat[a10 + pf]! + sat[a00 + pf]!) / sumA
              : F[k * 3 + c]!;
            const b = backdropSeen
              ? (sat[a11 + pb]! - sat[a01 + pb]! - sat[a10 + pb]! + sat[a00 + pb]!) / sumInverse
              : B[k * 3 + c]!;
            const residual = rgb[i * 3 + c]! / 255 - a * f - rest * b;
            out[at + c] = Math.round(Math.min(1, Math.max(0, f + a * residual)) * 255);
          }
        }
        cursor[y] = k;
      }
    }
  }
}
