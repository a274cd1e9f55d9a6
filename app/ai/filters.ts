/**
 * The image filters the local provider is built from, on planar Float32 images: an O(1)-per-pixel
 * box mean, the colour guided filter (He, Sun & Tang, "Guided Image Filtering", TPAMI 2013) with
 * its subsampled "fast" variant (He & Sun, 2015), and mean-pool / bilinear resampling.
 */

/** Mean over a (2r+1)² window clipped to the image: edges average fewer pixels, not zeros. */
export function boxMean(
  src: Float32Array,
  width: number,
  height: number,
  radius: number,
  out: Float32Array = new Float32Array(width * height),
): Float32Array {
  const r = Math.max(0, Math.floor(radius));
  // Window sums along rows, then down columns; one division by the window's area at the end.
  const rows = new Float32Array(width * height);
  const firstX = Math.min(r, width - 1);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let sum = 0;
    for (let x = 0; x <= firstX; x++) sum += src[o + x]!;
    for (let x = 0; x < width; x++) {
      rows[o + x] = sum;
      if (x + r + 1 < width) sum += src[o + x + r + 1]!;
      if (x >= r) sum -= src[o + x - r]!;
    }
  }
  const inverseWidth = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    inverseWidth[x] = 1 / (Math.min(width - 1, x + r) - Math.max(0, x - r) + 1);
  }
  const columns = new Float64Array(width);
  for (let y = 0; y <= Math.min(r, height - 1); y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) columns[x]! += rows[o + x]!;
  }
  for (let y = 0; y < height; y++) {
    const inverseHeight = 1 / (Math.min(height - 1, y + r) - Math.max(0, y - r) + 1);
    const o = y * width;
    for (let x = 0; x < width; x++) out[o + x] = columns[x]! * inverseWidth[x]! * inverseHeight;
    if (y + r + 1 < height) {
      const a = (y + r + 1) * width;
      for (let x = 0; x < width; x++) columns[x]! += rows[a + x]!;
    }
    if (y >= r) {
      const d = (y - r) * width;
      for (let x = 0; x < width; x++) columns[x]! -= rows[d + x]!;
    }
  }
  return out;
}

/** One channel of an interleaved 8-bit image as a Float32 plane scaled to [0, 1]. */
export function channelPlane(
  data: Uint8Array,
  channels: number,
  channel: number,
  pixels: number,
): Float32Array {
  const plane = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) plane[i] = data[i * channels + channel]! / 255;
  return plane;
}

/** Averages factor × factor blocks (the last row/column of blocks may be partial). */
export function meanPool(src: Float32Array, width: number, height: number, factor: number) {
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  const out = new Float32Array(w * h);
  const column = new Int32Array(width);
  for (let x = 0; x < width; x++) column[x] = Math.floor(x / factor);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * w;
    const o = y * width;
    for (let x = 0; x < width; x++) out[row + column[x]!]! += src[o + x]!;
  }
  for (let by = 0; by < h; by++) {
    const rows = Math.min(factor, height - by * factor);
    for (let bx = 0; bx < w; bx++)
      out[by * w + bx]! /= rows * Math.min(factor, width - bx * factor);
  }
  return { data: out, width: w, height: h };
}

/**
 * Reads a plane pooled by `factor` at full-resolution coordinates, bilinearly (block centres sit
 * at (i + 0.5) × factor). For reading a few pixels; unpoolBilinear resamples a whole plane.
 */
export function pooledSampler(
  plane: Float32Array,
  gridWidth: number,
  gridHeight: number,
  factor: number,
) {
  return (x: number, y: number) => {
    const sx = Math.min(Math.max((x + 0.5) / factor - 0.5, 0), gridWidth - 1);
    const sy = Math.min(Math.max((y + 0.5) / factor - 0.5, 0), gridHeight - 1);
    const x0 = Math.floor(sx);
    const y0 = Math.floor(sy);
    const x1 = Math.min(x0 + 1, gridWidth - 1);
    const y1 = Math.min(y0 + 1, gridHeight - 1);
    const fx = sx - x0;
    const top = plane[y0 * gridWidth + x0]! * (1 - fx) + plane[y0 * gridWidth + x1]! * fx;
    const bottom = plane[y1 * gridWidth + x0]! * (1 - fx) + plane[y1 * gridWidth + x1]! * fx;
    return top + (bottom - top) * (sy - y0);
  };
}

/** Bilinear resampling of a plane pooled by `factor` back onto a width × height grid. */
export function unpoolBilinear(
  src: Float32Array,
  srcWidth: number,
  srcHeight: number,
  factor: number,
  width: number,
  height: number,
): Float32Array {
  // Block centres sit at (i + 0.5) * factor in full-resolution coordinates.
  const position = (i: number, size: number) =>
    Math.min(Math.max((i + 0.5) / factor - 0.5, 0), size - 1);
  const left = new Int32Array(width);
  const right = new Int32Array(width);
  const fraction = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const sx = position(x, srcWidth);
    left[x] = Math.floor(sx);
    right[x] = Math.min(left[x]! + 1, srcWidth - 1);
    fraction[x] = sx - left[x]!;
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = position(y, srcHeight);
    const top = Math.floor(sy) * srcWidth;
    const bottom = Math.min(Math.floor(sy) + 1, srcHeight - 1) * srcWidth;
    const fy = sy - Math.floor(sy);
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const fx = fraction[x]!;
      const upper = src[top + left[x]!]! * (1 - fx) + src[top + right[x]!]! * fx;
      const lower = src[bottom + left[x]!]! * (1 - fx) + src[bottom + right[x]!]! * fx;
      out[o + x] = upper + (lower - upper) * fy;
    }
  }
  return out;
}

function multiply(a: Float32Array, b: Float32Array) {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * b[i]!;
  return out;
}

/**
 * Filters `input` so its edges follow the colour edges of `guide` (RGB, interleaved 8-bit):
 * q = a·I + b with a, b fitted per window. Used on an alpha matte, it pulls a coarse mask onto
 * the real outline of hair, fur and thin wires. The coefficients are fitted on a grid pooled by
 * `subsample` (the "fast guided filter") and applied at full resolution, which keeps the detail.
 */
export function guidedFilterColour(
  guide: Uint8Array,
  guideChannels: number,
  input: Float32Array,
  width: number,
  height: number,
  radius: number,
  epsilon: number,
  subsample = 1,
): Float32Array {
  const pixels = width * height;
  const full = [0, 1, 2].map((c) => channelPlane(guide, guideChannels, c, pixels)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const s = Math.max(1, Math.floor(subsample));
  const pool = (plane: Float32Array) =>
    s === 1 ? { data: plane, width, height } : meanPool(plane, width, height, s);
  const [R, G, B] = full.map((plane) => pool(plane).data) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const pooled = pool(input);
  const P = pooled.data;
  const w = pooled.width;
  const h = pooled.height;
  const r = Math.max(1, Math.round(radius / s));
  const box = (plane: Float32Array) => boxMean(plane, w, h, r);

  const mR = box(R);
  const mG = box(G);
  const mB = box(B);
  const mP = box(P);
  const covR = box(multiply(R, P));
  const covG = box(multiply(G, P));
  const covB = box(multiply(B, P));
  const vRR = box(multiply(R, R));
  const vRG = box(multiply(R, G));
  const vRB = box(multiply(R, B));
  const vGG = box(multiply(G, G));
  const vGB = box(multiply(G, B));
  const vBB = box(multiply(B, B));

  const n = w * h;
  const aR = new Float32Array(n);
  const aG = new Float32Array(n);
  const aB = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const mr = mR[i]!;
    const mg = mG[i]!;
    const mb = mB[i]!;
    const mp = mP[i]!;
    const cr = covR[i]! - mr * mp;
    const cg = covG[i]! - mg * mp;
    const cb = covB[i]! - mb * mp;
    const rr = vRR[i]! - mr * mr + epsilon;
    const rg = vRG[i]! - mr * mg;
    const rb = vRB[i]! - mr * mb;
    const gg = vGG[i]! - mg * mg + epsilon;
    const gb = vGB[i]! - mg * mb;
    const bb = vBB[i]! - mb * mb + epsilon;
    // Inverse of the symmetric 3×3 covariance by cofactors.
    const c11 = gg * bb - gb * gb;
    const c12 = rb * gb - rg * bb;
    const c13 = rg * gb - rb * gg;
    const c22 = rr * bb - rb * rb;
    const c23 = rg * rb - rr * gb;
    const c33 = rr * gg - rg * rg;
    const det = rr * c11 + rg * c12 + rb * c13;
    const inv = det > 1e-12 ? 1 / det : 0;
    const ar = (c11 * cr + c12 * cg + c13 * cb) * inv;
    const ag = (c12 * cr + c22 * cg + c23 * cb) * inv;
    const ab = (c13 * cr + c23 * cg + c33 * cb) * inv;
    aR[i] = ar;
    aG[i] = ag;
    aB[i] = ab;
    b[i] = mp - ar * mr - ag * mg - ab * mb;
  }

  const spread = (plane: Float32Array) => {
    const mean = box(plane);
    return s === 1 ? mean : unpoolBilinear(mean, w, h, s, width, height);
  };
  const qR = spread(aR);
  const qG = spread(aG);
  const qB = spread(aB);
  const qb = spread(b);
  const out = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    out[i] = qR[i]! * full[0][i]! + qG[i]! * full[1][i]! + qB[i]! * full[2][i]! + qb[i]!;
  }
  return out;
}

/** A 0/255 (or 0/1) mask grown by a square of `radius`, as 0/1. */
export function growMask(mask: Uint8Array, width: number, height: number, radius: number) {
  const plane = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) plane[i] = mask[i]! > 0 ? 1 : 0;
  const spread = radius > 0 ? boxMean(plane, width, height, radius) : plane;
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = spread[i]! > 1e-6 ? 1 : 0;
  return out;
}
