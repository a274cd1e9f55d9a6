/**
 * The offline magic eraser: classical inpainting, no model. The masked area is filled with the
 * smoothest surface that meets its border (a membrane: the solution of Laplace's equation with the
 * surrounding pixels as boundary), solved coarse to fine so large holes converge in a few dozen
 * sweeps, then given grain matched to the surrounding photo's so the patch does not look
 * airbrushed. It suits what merchants erase from product shots (dust, a stray cable, a price tag
 * on a plain backdrop); it does not invent texture or structure, which is the Replicate eraser's job.
 * Pixels outside the (slightly grown) mask are returned unchanged.
 */
import type { EraseRequest } from "../provider.ts";
import { boxMean, growMask, pooledSampler } from "../filters.ts";
import {
  MASK_HALO_RADIUS,
  decodeMask,
  decodeRaster,
  dropOpaqueAlpha,
  encodePng,
  type Raster,
} from "../raster.server.ts";

const COARSEST_SIZE = 24;

export async function eraseClassically(request: EraseRequest): Promise<Buffer> {
  const image = await decodeRaster(request.image.bytes, 4);
  const mask = await decodeMask(request.mask, image.width, image.height);
  const hole = growMask(mask, image.width, image.height, MASK_HALO_RADIUS);
  inpaint(image, hole);
  return encodePng(dropOpaqueAlpha(image));
}

/** Fills `hole` (1 = unknown) in place. */
export function inpaint(image: Raster, hole: Uint8Array) {
  const bounds = holeBounds(hole, image.width, image.height);
  if (!bounds) return;
  const margin = Math.max(24, Math.round(Math.max(bounds.width, bounds.height) * 0.5));
  const left = Math.max(0, bounds.left - margin);
  const top = Math.max(0, bounds.top - margin);
  const right = Math.min(image.width, bounds.left + bounds.width + margin);
  const bottom = Math.min(image.height, bounds.top + bounds.height + margin);
  const w = right - left;
  const h = bottom - top;

  const roiHole = new Uint8Array(w * h);
  const planes = Array.from({ length: image.channels }, () => new Float32Array(w * h));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const source = (top + y) * image.width + left + x;
      roiHole[y * w + x] = hole[source]!;
      for (let c = 0; c < image.channels; c++) {
        planes[c]![y * w + x] = image.data[source * image.channels + c]!;
      }
    }
  }

  solveMembrane(planes, roiHole, w, h);
  addMatchingGrain(planes, roiHole, w, h, bounds.left * 31 + bounds.top);

  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!roiHole[y * w + x]) continue;
      const target = ((top + y) * image.width + left + x) * image.channels;
      for (let c = 0; c < image.channels; c++) {
        image.data[target + c] = Math.min(255, Math.max(0, Math.round(planes[c]![y * w + x]!)));
      }
    }
  }
}

function holeBounds(hole: Uint8Array, width: number, height: number) {
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!hole[y * width + x]) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (maxX < 0) return null;
  return { left: minX, top: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/**
 * Coarse to fine: the hole is solved on a half-size copy first (where known pixels are the mean
 * of the known pixels they cover), and that solution seeds the full-size sweeps.
 */
function solveMembrane(planes: Float32Array[], hole: Uint8Array, w: number, h: number) {
  if (!hole.some(Boolean)) return;
  if (Math.min(w, h) <= COARSEST_SIZE) {
    for (const plane of planes) {
      let sum = 0;
      let count = 0;
      for (let i = 0; i < plane.length; i++) {
        if (hole[i]) continue;
        sum += plane[i]!;
        count += 1;
      }
      const mean = count > 0 ? sum / count : 128;
      for (let i = 0; i < plane.length; i++) if (hole[i]) plane[i] = mean;
    }
    relax(planes, hole, w, h, 400);
    return;
  }

  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const coarseHole = new Uint8Array(cw * ch);
  const coarsePlanes = planes.map(() => new Float32Array(cw * ch));
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let count = 0;
      const sums = new Float64Array(planes.length);
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const fx = 2 * x + dx;
          const fy = 2 * y + dy;
          if (fx >= w || fy >= h || hole[fy * w + fx]) continue;
          count += 1;
          planes.forEach((plane, c) => (sums[c]! += plane[fy * w + fx]!));
        }
      }
      coarseHole[y * cw + x] = count === 0 ? 1 : 0;
      coarsePlanes.forEach((plane, c) => (plane[y * cw + x] = count ? sums[c]! / count : 0));
    }
  }
  solveMembrane(coarsePlanes, coarseHole, cw, ch);

  const readCoarse = coarsePlanes.map((plane) => pooledSampler(plane, cw, ch, 2));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!hole[y * w + x]) continue;
      readCoarse.forEach((read, c) => (planes[c]![y * w + x] = read(x, y)));
    }
  }
  relax(planes, hole, w, h, 40);
}

/** Gauss-Seidel sweeps with over-relaxation: each hole pixel moves to its neighbours' mean. */
function relax(planes: Float32Array[], hole: Uint8Array, w: number, h: number, sweeps: number) {
  const omega = 1.6;
  for (let sweep = 0; sweep < sweeps; sweep++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (!hole[i]) continue;
        for (const plane of planes) {
          let sum = 0;
          let count = 0;
          if (x > 0) {
            sum += plane[i - 1]!;
            count++;
          }
          if (x < w - 1) {
            sum += plane[i + 1]!;
            count++;
          }
          if (y > 0) {
            sum += plane[i - w]!;
            count++;
          }
          if (y < h - 1) {
            sum += plane[i + w]!;
            count++;
          }
          plane[i] = plane[i]! + omega * (sum / count - plane[i]!);
        }
      }
    }
  }
}

/**
 * Photos have grain (sensor noise, JPEG texture); a perfectly smooth patch reads as a smudge.
 * The surrounding ring's fine-scale deviation is measured per channel and the same amount of
 * noise, from a seeded generator so results are repeatable, is added inside the hole.
 */
function addMatchingGrain(
  planes: Float32Array[],
  hole: Uint8Array,
  w: number,
  h: number,
  seed: number,
) {
  const ring = growMask(hole, w, h, 8);
  for (let i = 0; i < ring.length; i++) if (hole[i]) ring[i] = 0;
  const random = seededGaussian(seed);
  planes.forEach((plane) => {
    const smooth = boxMean(plane, w, h, 1);
    let sum = 0;
    let count = 0;
    for (let i = 0; i < plane.length; i++) {
      if (!ring[i]) continue;
      const d = plane[i]! - smooth[i]!;
      sum += d * d;
      count += 1;
    }
    // The residual from a 3×3 mean keeps 8/9 of white noise's variance: scale back up.
    const deviation = count > 0 ? Math.sqrt(sum / count) * 1.06 : 0;
    if (deviation < 0.5) return;
    for (let i = 0; i < plane.length; i++) if (hole[i]) plane[i]! += random() * deviation;
  });
}

function seededGaussian(seed: number) {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}
