/**
 * Runs a marketplace preset on one photo: intake, find the product (AI cut-out, an existing
 * transparency, a trimmed plain background, or the whole photo), frame it on the preset's canvas
 * (enlarging on purpose when the product is too small), and render within the destination's
 * limits. AI providers are used only through the AiProvider interface, and everything they send
 * back goes through intake like any upload.
 */
import type { AiProvider, ImageInput } from "../ai/provider.ts";
import { TRANSPARENT, WHITE, type Background } from "./edits/background.ts";
import { crop } from "./edits/crop.ts";
import { fillFrame } from "./edits/fill.ts";
import { resize } from "./edits/resize.ts";
import { type ShadowOptions } from "./edits/shadow.ts";
import { detectProduct } from "./edits/trim.ts";
import { type OutputOptions } from "./encode.ts";
import { refuse } from "./errors.ts";
import {
  computedSource,
  decodeSource,
  openImage,
  verifyDecodes,
  type ImageSource,
} from "./intake.ts";
import { stripJpegMetadata } from "./jpeg.ts";
import { layoutFor, type Box, type Layout } from "./layout.ts";
import { DEFAULT_LIMITS, type IntakeLimits } from "./limits.ts";
import { note, type ImageNote } from "./notes.ts";
import { isPresetId, PRESET_IDS, PRESETS, type Preset, type PresetId } from "./presets.ts";
import { renderImage, type Rendered } from "./render.ts";
import { stage } from "./stages.ts";

export interface ProcessOptions {
  /** Background removal and upscaling go through this provider; without one, no AI is used. */
  provider?: AiProvider | null;
  /** Overlay the PREVIEW watermark: for previews before a merchant approves, never for uploads. */
  preview?: boolean;
  limits?: Readonly<IntakeLimits>;
  signal?: AbortSignal;
}

/** How the product was found: AI removal, the file's own transparency, a trim, or not at all. */
export type ProductFound = "removed" | "transparent" | "trimmed" | "whole-photo";

export interface ProcessedImage extends Rendered {
  preset: PresetId;
  product: {
    found: ProductFound;
    /** Share of the canvas the product spans on its constraining side (0.85 for Amazon). */
    fill: number;
  };
  enlargement: { factor: number; method: "none" | "ai" | "classical" };
  notes: ImageNote[];
}

/** Photos sent to an AI provider are reduced to this many pixels: no preset needs more. */
const WORKING_MAX_PIXELS = 12_000_000;
/** Below this, an enlargement is resampled classically: an AI pass would cost more than it adds. */
const AI_UPSCALE_ABOVE = 1.15;

export function resolvePreset(id: string): Preset {
  if (!isPresetId(id)) throw refuse.unknownPreset(id, PRESET_IDS);
  return PRESETS[id];
}

interface Product {
  source: ImageSource;
  box: Box;
  found: ProductFound;
  /** Source pixels per pixel of the original photo (below 1 once reduced for the provider). */
  pixelScale: number;
}

function wholeBox(source: ImageSource): Box {
  return { left: 0, top: 0, width: source.facts.width, height: source.facts.height };
}

/** An upright, sRGB, metadata-free JPEG of the photo, at most WORKING_MAX_PIXELS. */
async function workingCopy(source: ImageSource): Promise<ImageInput> {
  const { width, height } = source.facts;
  const scale = Math.min(1, Math.sqrt(WORKING_MAX_PIXELS / (width * height)));
  if (scale === 1) {
    const asIs = await jpegAsIs(source);
    if (asIs) return { bytes: asIs, mimeType: "image/jpeg" };
  }
  const layout = resize(layoutFor(source.facts), {
    width: Math.floor(width * scale),
    height: Math.floor(height * scale),
  });
  const copy = await renderImage(
    source,
    layout,
    { background: WHITE },
    { format: "jpeg", quality: 95 },
  );
  return { bytes: copy.bytes, mimeType: copy.mimeType };
}

/**
 * A JPEG that is already upright 8-bit sRGB with no colour profile goes to the provider with its
 * metadata segments dropped and its pixel data untouched: the same pixels, without a decode and
 * re-encode (and the generation of quality it cost). The copy is first decoded at 1/8 scale,
 * which still reads every coded byte: a broken file, or anything unusual in its structure, gets
 * null and goes down the re-encoding path, which refuses a broken file before anything is sent.
 */
async function jpegAsIs(source: ImageSource): Promise<Buffer | null> {
  const { facts } = source;
  const plain =
    facts.format === "jpeg" &&
    facts.orientation === 1 &&
    facts.colourSpace === "srgb" &&
    !facts.iccProfile &&
    facts.bitDepth === 8 &&
    !facts.hasAlpha &&
    facts.frames === 1;
  const stripped = plain ? stripJpegMetadata(source.bytes) : null;
  if (!stripped) return null;
  try {
    await verifyDecodes({ ...source, bytes: stripped });
  } catch {
    return null;
  }
  return stripped;
}

async function findProduct(
  original: ImageSource,
  preset: Preset,
  options: ProcessOptions,
  limits: Readonly<IntakeLimits>,
): Promise<Product> {
  if (preset.frame.kind === "photo") {
    return { source: original, box: wholeBox(original), found: "whole-photo", pixelScale: 1 };
  }
  const provider = preset.removeBackground ? options.provider : null;
  // Without an alpha channel a photo cannot already be a cut-out, so when the provider will cut
  // it out there is nothing to detect: its decode for the provider proves it readable.
  const detection =
    provider && !original.facts.hasAlpha
      ? null
      : await stage("detect", () => detectProduct(original));
  if (detection?.method === "alpha") {
    return { source: original, box: detection.box, found: "transparent", pixelScale: 1 };
  }
  if (provider) {
    const working = await stage("working-copy", () => workingCopy(original));
    const source = await cutOut(provider, working, options, limits);
    const found = await stage("cutout-detect", () => detectProduct(source));
    return {
      source,
      box: found.box,
      found: "removed",
      pixelScale: source.facts.width / original.facts.width,
    };
  }
  return {
    source: original,
    box: detection!.box,
    found: detection!.method === "trimmed" ? "trimmed" : "whole-photo",
    pixelScale: 1,
  };
}

/**
 * The provider's cut-out, decoded: its pixels when it hands them over, else its file, which goes
 * through intake like any upload and is decoded once for both finding the product and rendering.
 */
async function cutOut(
  provider: AiProvider,
  working: ImageInput,
  options: ProcessOptions,
  limits: Readonly<IntakeLimits>,
): Promise<ImageSource> {
  const call = { signal: options.signal };
  if (provider.removeBackgroundPixels) {
    const pixels = await stage("remove-background", () =>
      provider.removeBackgroundPixels!(working, call),
    );
    return computedSource(pixels, limits);
  }
  const { cutout } = await stage("remove-background", () =>
    provider.removeBackground(working, call),
  );
  const opened = await stage("cutout-intake", () => openImage(cutout, limits));
  return stage("cutout-decode", () => decodeSource(opened));
}

function frameProduct(product: Product, preset: Preset): Layout {
  const layout = crop(layoutFor(product.source.facts), product.box);
  const { frame } = preset;
  return frame.kind === "canvas"
    ? fillFrame(layout, frame, frame.fill, { upscale: true })
    : resize(layout, { width: frame.longestSide, height: frame.longestSide, upscale: true });
}

/** Enlarges the product region through the provider, when it offers upscaling. */
async function upscaleProduct(
  product: Product,
  factor: 2 | 4,
  provider: AiProvider,
  options: ProcessOptions,
  limits: Readonly<IntakeLimits>,
) {
  const { source, box } = product;
  // Only the product's box is sent, losslessly, keeping a cut-out's transparency.
  const background: Background = source.facts.hasAlpha ? TRANSPARENT : WHITE;
  const layout = crop(layoutFor(source.facts), box);
  const region = await stage("upscale.region", () =>
    renderImage(source, layout, { background }, { format: "png" }),
  );
  const input = { bytes: region.bytes, mimeType: region.mimeType };
  const result = await stage("upscale.call", () =>
    provider.upscale(input, factor, { signal: options.signal }),
  );
  const upscaled = await openImage(result.image, limits);
  const next: Product = {
    source: upscaled,
    box: wholeBox(upscaled),
    found: product.found,
    pixelScale: (product.pixelScale * upscaled.facts.width) / box.width,
  };
  return { product: next, method: result.method };
}

function checkAccepted(result: Rendered, preset: Preset) {
  const { accepts } = preset;
  const longest = Math.max(result.width, result.height);
  const broken = [
    !accepts.formats.includes(result.format) && `format ${result.format}`,
    accepts.minLongestSide !== undefined && longest < accepts.minLongestSide && "too small",
    accepts.maxLongestSide !== undefined && longest > accepts.maxLongestSide && "too large",
    accepts.maxWidth !== undefined && result.width > accepts.maxWidth && "too wide",
    accepts.maxHeight !== undefined && result.height > accepts.maxHeight && "too tall",
    accepts.maxPixels !== undefined &&
      result.width * result.height > accepts.maxPixels &&
      "too many pixels",
    accepts.square && result.width !== result.height && "not square",
    accepts.noBorders &&
      (result.placed.width !== result.width || result.placed.height !== result.height) &&
      "padded",
  ].filter(Boolean);
  if (broken.length > 0) {
    // The preset's own data contradicts its destination: a bug in presets.ts, not the photo.
    throw new Error(
      `Preset ${preset.id} produced an image its destination refuses: ${broken.join(", ")}`,
    );
  }
}

export async function processImage(
  input: Uint8Array,
  presetOrId: PresetId | Preset,
  options: ProcessOptions = {},
): Promise<ProcessedImage> {
  const preset = typeof presetOrId === "string" ? resolvePreset(presetOrId) : presetOrId;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const original = await stage("intake", () => openImage(input, limits));
  const notes = [...original.notes];

  let product = await findProduct(original, preset, options, limits);
  let layout = frameProduct(product, preset);
  let method: "ai" | "classical" = "classical";
  const { provider } = options;
  if (layout.scale > AI_UPSCALE_ABOVE && provider?.supports("upscale")) {
    const upscaled = await stage("upscale", () =>
      upscaleProduct(product, layout.scale > 2 ? 4 : 2, provider, options, limits),
    );
    product = upscaled.product;
    method = upscaled.method;
    layout = frameProduct(product, preset);
  }
  const factor = layout.scale * product.pixelScale;
  if (factor > 1.005) notes.push(note.upscaled(factor, method));

  const cutout = product.found === "removed" || product.found === "transparent";
  if (preset.removeBackground && !cutout) notes.push(note.backgroundKept());
  const shadow: ShadowOptions | null = cutout ? preset.shadow : null;
  const output: OutputOptions = { ...preset.output, maxBytes: preset.accepts.maxBytes };
  const rendered = await stage("render", () =>
    renderImage(
      product.source,
      layout,
      { background: preset.background, shadow, watermark: options.preview },
      output,
      preset.name,
    ),
  );
  checkAccepted(rendered, preset);
  const { placed } = rendered;
  return {
    ...rendered,
    notes: [...notes, ...rendered.notes],
    preset: preset.id,
    product: {
      found: product.found,
      fill: Math.max(placed.width / rendered.width, placed.height / rendered.height),
    },
    enlargement: { factor, method: factor > 1.005 ? method : "none" },
  };
}

export interface ComposeOptions {
  background: Background;
  shadow?: ShadowOptions | null;
  output: OutputOptions;
  limits?: Readonly<IntakeLimits>;
}

/** A cut-out (RGBA) laid over a colour or kept transparent, with an optional drop shadow. */
export async function composeCutout(cutout: Uint8Array, options: ComposeOptions) {
  const source = await openImage(cutout, options.limits);
  return renderImage(
    source,
    layoutFor(source.facts),
    { background: options.background, shadow: options.shadow },
    options.output,
  );
}
