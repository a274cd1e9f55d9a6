/**
 * Puts a product cut-out into a scene. Both providers end here: the local one over a procedural
 * backdrop, the Replicate one over the model's painting, where the original cut-out is pasted
 * back over whatever the model made of the product. The paste is done in integer arithmetic on
 * raw pixels, so wherever the cut-out is opaque the scene's pixels are the cut-out's, exactly.
 */
import sharp from "sharp";

import { AiProviderError } from "../provider.ts";
import { decodeRaster, encodePng, resizeRaster, type Raster } from "../raster.server.ts";
import type { SceneTemplate } from "./templates.ts";

export interface PlacedProduct {
  /** RGBA, trimmed to the product and possibly scaled down. */
  raster: Raster;
  x: number;
  y: number;
}

/** The largest scene Photo Studio renders: Shopify's own maximum side and pixel count. */
export const MAX_SCENE_SIDE = 4472;
export const MAX_SCENE_PIXELS = 20_000_000;

export function checkSceneSize(width: number, height: number) {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 64 ||
    height < 64 ||
    width > MAX_SCENE_SIDE ||
    height > MAX_SCENE_SIDE ||
    width * height > MAX_SCENE_PIXELS
  ) {
    throw new AiProviderError(
      "invalid_request",
      `A scene must be between 64 and ${MAX_SCENE_SIDE} pixels on each side and at most 20 megapixels.`,
      false,
    );
  }
}

/**
 * Trims the cut-out to its visible pixels and stands it on the template's floor line, centred.
 * It is scaled down only if it does not fit the template's limits, never up: enlarging is the
 * upscaler's job, and an unscaled product keeps its pixels.
 */
export async function placeCutout(
  cutout: Buffer,
  width: number,
  height: number,
  layout: SceneTemplate["layout"],
): Promise<PlacedProduct> {
  const source = await decodeRaster(cutout, 4, "the cut-out");
  const bounds = opaqueBounds(source);
  if (!bounds) {
    throw new AiProviderError(
      "empty_cutout",
      "The cut-out shows no product. Remove the background again, then build the scene.",
      false,
    );
  }
  let raster: Raster = crop(source, bounds);
  const scale = Math.min(
    1,
    (layout.maxWidth * width) / raster.width,
    (layout.maxHeight * height) / raster.height,
  );
  if (scale < 1) {
    raster = await resizeRaster(
      raster,
      Math.max(1, Math.round(raster.width * scale)),
      Math.max(1, Math.round(raster.height * scale)),
    );
  }
  const x = Math.round((width - raster.width) / 2);
  const y = Math.min(
    Math.max(0, Math.round(layout.floor * height - raster.height)),
    height - raster.height,
  );
  return { raster, x, y };
}

function opaqueBounds(raster: Raster) {
  let minX = raster.width;
  let minY = raster.height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < raster.height; y++) {
    for (let x = 0; x < raster.width; x++) {
      if (raster.data[(y * raster.width + x) * 4 + 3] === 0) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  return maxX < 0
    ? null
    : { left: minX, top: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

function crop(raster: Raster, box: { left: number; top: number; width: number; height: number }) {
  const c = raster.channels;
  const data = new Uint8Array(box.width * box.height * c);
  for (let y = 0; y < box.height; y++) {
    const from = ((box.top + y) * raster.width + box.left) * c;
    data.set(raster.data.subarray(from, from + box.width * c), y * box.width * c);
  }
  return { data, width: box.width, height: box.height, channels: raster.channels };
}

export interface SceneEffects {
  shadow?: SceneTemplate["shadow"] | null;
  reflection?: SceneTemplate["reflection"];
}

/** The product over an opaque RGB background of the scene's size, as a PNG. */
export async function composeScene(
  background: Raster,
  product: PlacedProduct,
  effects: SceneEffects = {},
): Promise<Buffer> {
  if (background.channels !== 3) throw new Error("composeScene needs an RGB background");
  const scene = { ...background, data: new Uint8Array(background.data) };
  const base = productBase(product);
  if (effects.shadow) await castShadow(scene, product, base, effects.shadow);
  if (effects.reflection) reflect(scene, product, base, effects.reflection);
  paste(scene, product);
  return encodePng(scene);
}

/** The product's lowest opaque row and the horizontal extent of its footprint there. */
function productBase(product: PlacedProduct) {
  const { data, width, height } = product.raster;
  const opaque = (x: number, y: number) => data[(y * width + x) * 4 + 3]! >= 128;
  const rowHasOpaque = (y: number) => {
    for (let x = 0; x < width; x++) if (opaque(x, y)) return true;
    return false;
  };
  let bottom = height - 1;
  while (bottom > 0 && !rowHasOpaque(bottom)) bottom -= 1;
  const rows = Math.max(2, Math.round(height * 0.04));
  let left = width;
  let right = -1;
  for (let y = Math.max(0, bottom - rows); y <= bottom; y++) {
    for (let x = 0; x < width; x++) {
      if (!opaque(x, y)) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  if (right < 0) {
    left = 0;
    right = width - 1;
  }
  return { row: bottom, left, right };
}

/**
 * Two soft shadows darken the backdrop under the product: a tight contact shadow where it
 * touches the floor and a wide, faint one from its silhouette squashed flat.
 */
async function castShadow(
  scene: Raster,
  product: PlacedProduct,
  base: ReturnType<typeof productBase>,
  shadow: NonNullable<SceneEffects["shadow"]>,
) {
  const footprint = base.right - base.left + 1;
  const centreX = product.x + (base.left + base.right) / 2;
  const baseY = product.y + base.row;
  const contactRadiusY = Math.max(2, footprint * 0.045);
  const contactSigma = Math.max(1, contactRadiusY * 0.8 * shadow.softness);
  const ambientSigma = Math.max(3, product.raster.width * 0.05 * shadow.softness);
  const pad = Math.ceil(ambientSigma * 3);
  const left = Math.max(0, Math.floor(product.x - pad));
  const right = Math.min(scene.width, Math.ceil(product.x + product.raster.width + pad));
  const top = Math.max(0, Math.floor(baseY - product.raster.height * 0.08 - pad));
  const bottom = Math.min(scene.height, Math.ceil(baseY + contactRadiusY * 2 + pad));
  const w = right - left;
  const h = bottom - top;
  if (w <= 0 || h <= 0) return;

  const contact = new Uint8Array(w * h);
  const rx = footprint * 0.52;
  const cy = baseY + contactRadiusY * 0.3;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = (left + x - centreX) / rx;
      const dy = (top + y - cy) / contactRadiusY;
      if (dx * dx + dy * dy <= 1) contact[y * w + x] = 255;
    }
  }
  // The silhouette squashed to 7% of its height, standing on the base line.
  const flatHeight = Math.max(2, Math.round(product.raster.height * 0.07));
  const alpha = new Uint8Array(product.raster.width * product.raster.height);
  for (let i = 0; i < alpha.length; i++) alpha[i] = product.raster.data[i * 4 + 3]!;
  const flat = await sharp(alpha, {
    raw: { width: product.raster.width, height: product.raster.height, channels: 1 },
  })
    .resize(product.raster.width, flatHeight, { fit: "fill" })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const ambient = new Uint8Array(w * h);
  for (let y = 0; y < flatHeight; y++) {
    const sy = baseY - flatHeight + y - top;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < product.raster.width; x++) {
      const sx = product.x + x - left;
      if (sx >= 0 && sx < w) ambient[sy * w + sx] = flat[y * product.raster.width + x]!;
    }
  }
  const [contactBlur, ambientBlur] = await Promise.all([
    blurPlane(contact, w, h, contactSigma),
    blurPlane(ambient, w, h, ambientSigma),
  ]);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = (contactBlur[y * w + x]! / 255) * shadow.opacity;
      const a = (ambientBlur[y * w + x]! / 255) * shadow.opacity * 0.55;
      const keep = (1 - c) * (1 - a);
      const o = ((top + y) * scene.width + left + x) * 3;
      scene.data[o] = Math.round(scene.data[o]! * keep);
      scene.data[o + 1] = Math.round(scene.data[o + 1]! * keep);
      scene.data[o + 2] = Math.round(scene.data[o + 2]! * keep);
    }
  }
}

async function blurPlane(plane: Uint8Array, width: number, height: number, sigma: number) {
  return sharp(plane, { raw: { width, height, channels: 1 } })
    .blur(Math.max(0.3, sigma))
    .extractChannel(0)
    .raw()
    .toBuffer();
}

/** A faint mirror image below the base line, fading out, for glossy surfaces. */
function reflect(
  scene: Raster,
  product: PlacedProduct,
  base: ReturnType<typeof productBase>,
  reflection: NonNullable<SceneEffects["reflection"]>,
) {
  const { data, width } = product.raster;
  const length = Math.max(1, Math.round(product.raster.height * reflection.fade));
  const baseY = product.y + base.row;
  for (let r = 0; r < length; r++) {
    const sceneY = baseY + 1 + r;
    const sourceY = base.row - r;
    if (sceneY >= scene.height || sourceY < 0) break;
    const fade = reflection.opacity * (1 - r / length) ** 2;
    for (let x = 0; x < width; x++) {
      const sceneX = product.x + x;
      if (sceneX < 0 || sceneX >= scene.width) continue;
      const s = (sourceY * width + x) * 4;
      const a = (data[s + 3]! / 255) * fade;
      if (a <= 0) continue;
      const o = (sceneY * scene.width + sceneX) * 3;
      for (let c = 0; c < 3; c++) {
        scene.data[o + c] = Math.round(data[s + c]! * a + scene.data[o + c]! * (1 - a));
      }
    }
  }
}

/** Straight-alpha "over", exact where alpha is 255. */
function paste(scene: Raster, product: PlacedProduct) {
  const { data, width, height } = product.raster;
  for (let y = 0; y < height; y++) {
    const sceneY = product.y + y;
    if (sceneY < 0 || sceneY >= scene.height) continue;
    for (let x = 0; x < width; x++) {
      const sceneX = product.x + x;
      if (sceneX < 0 || sceneX >= scene.width) continue;
      const s = (y * width + x) * 4;
      const alpha = data[s + 3]!;
      if (alpha === 0) continue;
      const o = (sceneY * scene.width + sceneX) * 3;
      for (let c = 0; c < 3; c++) {
        scene.data[o + c] =
          alpha === 255
            ? data[s + c]!
            : Math.round((data[s + c]! * alpha + scene.data[o + c]! * (255 - alpha)) / 255);
      }
    }
  }
}

/** A plain RGB raster, for the canvas a generative model is shown the product on. */
export function solidBackground(
  width: number,
  height: number,
  colour: readonly [number, number, number],
): Raster {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(colour, i * 3);
  return { data, width, height, channels: 3 };
}
