/**
 * Drop shadow for cut-outs, cast by the product's own alpha (a blurred, offset silhouette), so a
 * refined matte gives a shadow with the same soft outline. Photos without transparency get none:
 * a rectangle's shadow would frame the old background instead of grounding the product.
 */
import sharp from "sharp";

import { type Box } from "../layout.ts";

export { SOFT_SHADOW, type ShadowOptions } from "./shadow-options.ts";
import type { ShadowOptions } from "./shadow-options.ts";

export interface RawLayer {
  data: Buffer;
  width: number;
  height: number;
}

/** The shadow of an RGBA layer, as a composite overlay (black, alpha from the blurred matte). */
export async function shadowOverlay(
  layer: RawLayer,
  product: Box,
  options: ShadowOptions,
): Promise<sharp.OverlayOptions> {
  const { width, height } = layer;
  const sigma = Math.max(0.5, options.blur * Math.max(product.width, product.height));
  const alpha = await sharp(layer.data, { raw: { width, height, channels: 4 } })
    .extractChannel(3)
    .blur(sigma)
    .linear(options.opacity, 0)
    .raw()
    .toBuffer();
  const shadow = await sharp({ create: { width, height, channels: 3, background: "#000000" } })
    .joinChannel(alpha, { raw: { width, height, channels: 1 } })
    .raw()
    .toBuffer();
  return {
    input: shadow,
    raw: { width, height, channels: 4 },
    left: Math.round(options.offsetX * product.width),
    top: Math.round(options.offsetY * product.height),
  };
}
