/**
 * Procedural backdrops for the local scene templates: gradients, a paper sweep, wood grain and
 * marble veins from seeded value noise. They are painted at about a megapixel (they hold no fine
 * detail worth more) and resized to the scene, then dithered so gradients do not band once the
 * image engine encodes them as JPEG.
 */
import sharp from "sharp";

import type { Raster } from "../raster.server.ts";
import type { Backdrop, Rgb } from "./templates.ts";

const PAINT_PIXELS = 1_200_000;

export async function renderBackdrop(
  backdrop: Backdrop,
  width: number,
  height: number,
  seed: number,
): Promise<Raster> {
  const scale = Math.min(1, Math.sqrt(PAINT_PIXELS / (width * height)));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const painted = new Uint8Array(w * h * 3);
  const paint = painter(backdrop, w / h, makeNoise(seed));
  const colour: [number, number, number] = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      paint((x + 0.5) / w, (y + 0.5) / h, colour);
      const o = (y * w + x) * 3;
      painted[o] = clampByte(colour[0]);
      painted[o + 1] = clampByte(colour[1]);
      painted[o + 2] = clampByte(colour[2]);
    }
  }
  const data =
    scale < 1
      ? new Uint8Array(
          await sharp(painted, { raw: { width: w, height: h, channels: 3 } })
            .resize(width, height, { fit: "fill", kernel: "cubic" })
            .raw()
            .toBuffer(),
        )
      : painted;
  dither(data, seed);
  return { data, width, height, channels: 3 };
}

type Painter = (u: number, v: number, out: [number, number, number]) => void;

function painter(backdrop: Backdrop, aspect: number, noise: Noise): Painter {
  switch (backdrop.kind) {
    case "sweep":
      return (u, v, out) => {
        const wallT = smoothstep(0, 1, Math.min(1, v / backdrop.horizonAt));
        const wall = mix(backdrop.wallTop, backdrop.horizon, wallT);
        // The paper curves into the floor: no hard horizon line, just a quick blend.
        const floorT = smoothstep(backdrop.horizonAt - 0.05, backdrop.horizonAt + 0.2, v);
        const vignette = 1 - 0.04 * (2 * u - 1) ** 2;
        mixInto(wall, backdrop.floor, floorT, vignette, out);
      };
    case "radial":
      return (u, v, out) => {
        const dx = (u - 0.5) * aspect;
        const dy = v - 0.42;
        const reach = Math.hypot(0.5 * Math.max(aspect, 1), 0.58);
        const t = smoothstep(0, 1, Math.min(1, Math.hypot(dx, dy) / reach) ** 1.2);
        mixInto(backdrop.centre, backdrop.edge, t, 1, out);
      };
    case "bokeh": {
      const lights = bokehLights(backdrop, aspect);
      return (u, v, out) => {
        const wallT = smoothstep(0, 1, Math.min(1, v / backdrop.floorAt));
        mixInto(backdrop.wallTop, backdrop.wallBottom, wallT, 1, out);
        // Out-of-focus lights: soft discs added over the wall, fading out before the floor.
        const fade = 1 - smoothstep(backdrop.floorAt - 0.2, backdrop.floorAt - 0.04, v);
        if (fade > 0) {
          for (const light of lights) {
            const d = Math.hypot((u - light.x) * aspect, v - light.y) / light.radius;
            if (d >= 1) continue;
            const glow = light.strength * fade * (1 - smoothstep(0.7, 1, d));
            out[0] += (light.colour[0] - out[0]) * glow;
            out[1] += (light.colour[1] - out[1]) * glow;
            out[2] += (light.colour[2] - out[2]) * glow;
          }
        }
        const floorT = smoothstep(backdrop.floorAt - 0.03, backdrop.floorAt + 0.05, v);
        out[0] += (backdrop.floor[0] - out[0]) * floorT;
        out[1] += (backdrop.floor[1] - out[1]) * floorT;
        out[2] += (backdrop.floor[2] - out[2]) * floorT;
      };
    }
    case "tabletop": {
      const surface = surfacePainter(backdrop.surface, aspect, noise);
      return (u, v, out) => {
        if (v < backdrop.tableAt) {
          const t = v / backdrop.tableAt;
          // Window light from the left, falling off towards the table.
          const light = 1 + 0.05 * (1 - u) * (1 - t);
          mixInto(backdrop.wallTop, backdrop.wallBottom, smoothstep(0, 1, t), light, out);
          return;
        }
        const depth = (v - backdrop.tableAt) / (1 - backdrop.tableAt);
        surface(u, depth, out);
        // The wall shades the back edge of the table a little.
        const contact = 1 - 0.12 * (1 - smoothstep(0, 0.05, depth));
        const sideLight = 1 + 0.04 * (1 - u) - 0.05 * depth;
        out[0] *= contact * sideLight;
        out[1] *= contact * sideLight;
        out[2] *= contact * sideLight;
      };
    }
  }
}

type SurfaceKind = Extract<Backdrop, { kind: "tabletop" }>["surface"];

interface BokehLight {
  x: number;
  y: number;
  radius: number;
  strength: number;
  colour: Rgb;
}

/** Where the lights are: the same for every render of a template (a fixed sequence, no seed). */
function bokehLights(backdrop: Extract<Backdrop, { kind: "bokeh" }>, aspect: number) {
  const lights: BokehLight[] = [];
  const count = 26;
  for (let i = 0; i < count; i++) {
    lights.push({
      x: hash1(i * 1.91 + 0.3),
      y: hash1(i * 3.17 + 1.1) * backdrop.floorAt * 0.85,
      radius: (0.025 + 0.05 * hash1(i * 5.3 + 2.7)) / Math.max(1, aspect * 0.75),
      strength: 0.35 + 0.45 * hash1(i * 7.7 + 0.9),
      colour: backdrop.lights[i % backdrop.lights.length]!,
    });
  }
  return lights;
}

/** depth: 0 at the table's back edge, 1 at the bottom of the picture. */
function surfacePainter(
  surface: SurfaceKind,
  aspect: number,
  noise: Noise,
): (u: number, depth: number, out: [number, number, number]) => void {
  // A simple perspective: the table's far side is four times further away than its near side.
  const world = (u: number, depth: number) => {
    const distance = 1 / (0.25 + 0.75 * depth);
    return { x: (u - 0.5) * aspect * distance, y: distance };
  };
  if (surface.kind === "wood") {
    return (u, depth, out) => {
      const { x, y } = world(u, depth);
      const plankWidth = 1.6 / surface.planks;
      const plank = Math.floor(y / plankWidth);
      const across = y / plankWidth - plank;
      const tint = 0.9 + 0.2 * hash1(plank * 7.13);
      const offset = hash1(plank * 3.7) * 40;
      // Growth rings cut lengthwise make long stripes that wander along the plank.
      const wander = noise.fbm(x * 2.2 + offset, y * 5, 3) * 5;
      const rings = Math.sin(across * 11 + wander);
      const fibres = noise.fbm(x * 6 + offset, y * 160, 2);
      const grain = 0.55 + 0.22 * rings + 0.35 * (fibres - 0.5);
      const seam = smoothstep(0, 0.035 * (1 + depth), Math.min(across, 1 - across));
      const shade = tint * (0.72 + 0.28 * seam);
      mixInto(surface.dark, surface.light, Math.min(1, Math.max(0, grain)), shade, out);
    };
  }
  if (surface.kind === "linen") {
    return (u, depth, out) => {
      const { x, y } = world(u, depth);
      // Warp and weft: two fine crossing sine gratings, slubbed by noise, over an uneven dye.
      const warp = 0.5 + 0.5 * Math.sin(x * 260 + 3 * noise.fbm(x * 4, y * 40, 2));
      const weft = 0.5 + 0.5 * Math.sin(y * 260 + 3 * noise.fbm(x * 40, y * 4, 2));
      const dye = noise.fbm(x * 1.5 + 5, y * 1.5, 3);
      const t = 0.28 * warp * weft + 0.3 * (dye - 0.5);
      mixInto(surface.base, surface.thread, Math.min(1, Math.max(0, t + 0.15)), 1, out);
    };
  }
  return (u, depth, out) => {
    const { x, y } = world(u, depth);
    // Domain-warped turbulence; veins follow where it crosses its middle value.
    const wx = x + 0.9 * noise.fbm(x * 0.8 + 3, y * 0.8, 4);
    const wy = y + 0.9 * noise.fbm(x * 0.8, y * 0.8 + 7, 4);
    const ridge = 1 - Math.abs(2 * noise.fbm(wx * 1.6, wy * 1.6, 5) - 1);
    const vein = 0.5 * ridge ** 16 + 0.12 * ridge ** 4;
    const cloud = noise.fbm(x * 0.7 + 11, y * 0.7, 3);
    const highlight = 1 + 0.04 * (1 - smoothstep(0, 0.4, depth));
    mixInto(surface.base, surface.vein, vein, highlight * (0.96 + 0.05 * cloud), out);
  };
}

interface Noise {
  fbm(x: number, y: number, octaves: number): number;
}

/** Seeded 2D value noise and its fractal sum, both in [0, 1]. */
function makeNoise(seed: number): Noise {
  const lattice = (x: number, y: number) => {
    let h = Math.imul(x, 374761393) ^ Math.imul(y, 668265263) ^ Math.imul(seed, 144665);
    h = Math.imul(h ^ (h >>> 13), 1274126177);
    return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
  };
  const value = (x: number, y: number) => {
    const xi = Math.floor(x);
    const yi = Math.floor(y);
    const fx = x - xi;
    const fy = y - yi;
    const sx = fx * fx * (3 - 2 * fx);
    const sy = fy * fy * (3 - 2 * fy);
    const top = lattice(xi, yi) * (1 - sx) + lattice(xi + 1, yi) * sx;
    const bottom = lattice(xi, yi + 1) * (1 - sx) + lattice(xi + 1, yi + 1) * sx;
    return top * (1 - sy) + bottom * sy;
  };
  return {
    fbm(x, y, octaves) {
      let sum = 0;
      let amplitude = 0.5;
      let total = 0;
      for (let o = 0; o < octaves; o++) {
        sum += amplitude * value(x * 2 ** o, y * 2 ** o);
        total += amplitude;
        amplitude *= 0.5;
      }
      return sum / total;
    },
  };
}

function hash1(n: number) {
  const s = Math.sin(n * 12.9898) * 43758.5453;
  return s - Math.floor(s);
}

function smoothstep(edge0: number, edge1: number, x: number) {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function mixInto(a: Rgb, b: Rgb, t: number, gain: number, out: [number, number, number]) {
  out[0] = (a[0] + (b[0] - a[0]) * t) * gain;
  out[1] = (a[1] + (b[1] - a[1]) * t) * gain;
  out[2] = (a[2] + (b[2] - a[2]) * t) * gain;
}

function clampByte(value: number) {
  return Math.min(255, Math.max(0, Math.round(value)));
}

/** ±1 level of seeded noise: invisible, and enough to keep smooth gradients from banding. */
function dither(data: Uint8Array, seed: number) {
  let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const step = (state >>> 0) % 3;
    if (step === 0 && data[i]! > 0) data[i]! -= 1;
    else if (step === 2 && data[i]! < 255) data[i]! += 1;
  }
}
