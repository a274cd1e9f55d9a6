/**
 * Which Replicate model does what, and how each one wants its input. Each operation's model is
 * configurable; it must be one this file knows how to talk to (models of one family share input
 * names, but families differ), so a typo or an unknown model fails at start-up, not on a
 * merchant's photo. Input names come from each model's API page on replicate.com.
 */
import type { AiOperation } from "../provider.ts";

export interface ModelRef {
  /** As configured: "owner/name" (official models) or "owner/name:version". */
  id: string;
  /** "owner/name". */
  name: string;
  version: string | undefined;
}

/**
 * Official models (run by name, priced per output, kept working by Replicate) where there is one;
 * community models pinned to a version (check it on replicate.com before changing it).
 */
export const DEFAULT_MODELS: Record<AiOperation, string> = {
  "remove-background": "bria/remove-background",
  upscale:
    "nightmareai/real-esrgan:42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b",
  scene: "black-forest-labs/flux-kontext-pro",
  erase: "bria/eraser",
  "alt-text": "yorickvp/llava-13b:80537f9eead1a5bfa72d5ac6ea6414379be41d4d4f6679fd776e9535d1eb58bb",
};

export class ModelConfigError extends Error {
  override name = "ModelConfigError";
}

export function parseModelRef(id: string): ModelRef {
  const match = /^([a-z0-9][\w.-]*)\/([a-z0-9][\w.-]*)(?::([0-9a-f]{64}))?$/i.exec(id.trim());
  if (!match) {
    throw new ModelConfigError(
      `"${id}" is not a Replicate model ("owner/name" or "owner/name:version")`,
    );
  }
  return { id: id.trim(), name: `${match[1]}/${match[2]}`, version: match[3] };
}

/** Input references: a data URI or a Replicate file URL for each image. */
type Refs = Record<string, string>;

export interface InputRequest {
  factor?: 2 | 4;
  prompt?: string;
  /** What the scene must not show (a template's negative prompt). */
  avoid?: string;
}

interface Adapter {
  /** The images the model takes, by the name the input builder reads them under. */
  images: string[];
  input(refs: Refs, request: InputRequest): Record<string, unknown>;
}

/** A scene model sees the product either on a neutral canvas ("guide") or as the cut-out. */
export const SCENE_IMAGE = { guide: "guide", cutout: "cutout" } as const;

const CAPTION_PROMPT =
  "Describe this product photo in one short sentence for alt text: the product, its colour and " +
  "material, and the setting. Do not start with 'The image shows'.";

const ADAPTERS: Record<AiOperation, Record<string, Adapter>> = {
  "remove-background": {
    "bria/remove-background": {
      images: ["image"],
      input: (refs) => ({ image: refs.image, preserve_alpha: true, content_moderation: false }),
    },
  },
  upscale: {
    "nightmareai/real-esrgan": {
      images: ["image"],
      input: (refs, request) => ({ image: refs.image, scale: request.factor, face_enhance: false }),
    },
    // A fixed-factor upscaler: its output is resampled to the factor asked for.
    "recraft-ai/recraft-crisp-upscale": {
      images: ["image"],
      input: (refs) => ({ image: refs.image }),
    },
  },
  scene: {
    "black-forest-labs/flux-kontext-pro": kontext(),
    "black-forest-labs/flux-kontext-max": kontext(),
    "bria/generate-background": {
      images: [SCENE_IMAGE.cutout],
      input: (refs, request) => ({
        image: refs.cutout,
        bg_prompt: request.prompt,
        refine_prompt: true,
        fast: true,
        original_quality: true,
      }),
    },
  },
  erase: {
    "bria/eraser": {
      images: ["image", "mask"],
      input: (refs) => ({ image: refs.image, mask: refs.mask, mask_type: "manual" }),
    },
  },
  "alt-text": {
    "yorickvp/llava-13b": {
      images: ["image"],
      input: (refs) => ({
        image: refs.image,
        prompt: CAPTION_PROMPT,
        max_tokens: 60,
        temperature: 0.2,
      }),
    },
    "salesforce/blip": {
      images: ["image"],
      input: (refs) => ({ image: refs.image, task: "image_captioning" }),
    },
  },
};

function kontext(): Adapter {
  return {
    images: [SCENE_IMAGE.guide],
    input: (refs, request) => ({
      prompt:
        `Place this product in a new scene: ${request.prompt}. Keep the product exactly as it ` +
        "is, in the same position and at the same size; change only the background and lighting." +
        // Kontext edits by instruction and takes no negative prompt: the template's says it in words.
        (request.avoid ? ` Do not show: ${request.avoid}.` : ""),
      input_image: refs.guide,
      aspect_ratio: "match_input_image",
      output_format: "png",
      safety_tolerance: 2,
    }),
  };
}

export function adapterFor(operation: AiOperation, model: ModelRef): Adapter {
  const adapter = ADAPTERS[operation][model.name];
  if (!adapter) {
    throw new ModelConfigError(
      `Photo Studio doesn't know how to call ${model.name} for ${operation}; supported: ` +
        Object.keys(ADAPTERS[operation]).join(", "),
    );
  }
  return adapter;
}
