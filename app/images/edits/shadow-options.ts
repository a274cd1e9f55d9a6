/**
 * The shadow's settings as plain data, apart from the sharp code that draws it, so presets (and
 * the recipe form that lists them) can be bundled for the browser.
 */
export interface ShadowOptions {
  /** Opacity where the shadow is darkest, 0 to 1. */
  opacity: number;
  /** Softness: Gaussian sigma as a share of the product's longest side. */
  blur: number;
  /** Offset to the right and down, as shares of the product's width and height. */
  offsetX: number;
  offsetY: number;
}

/** A soft shadow falling slightly below the product, as under studio lighting from above. */
export const SOFT_SHADOW: ShadowOptions = { opacity: 0.3, blur: 0.02, offsetX: 0, offsetY: 0.02 };
