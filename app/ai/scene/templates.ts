/**
 * Studio scene templates, as data. Each one is rendered procedurally by the local provider (no
 * model, no stock photo) and described in words for generative providers, which paint it instead.
 * Either way the product is the merchant's own cut-out, composited unaltered.
 */
import { AiProviderError } from "../provider.ts";

export type Rgb = readonly [number, number, number];

export type Backdrop =
  /** A seamless paper sweep: wall gradient curving into a floor. */
  | { kind: "sweep"; wallTop: Rgb; horizon: Rgb; floor: Rgb; horizonAt: number }
  /** A radial gradient, lighter behind the product. */
  | { kind: "radial"; centre: Rgb; edge: Rgb }
  /** A wall, and a tabletop seen in perspective from `tableAt` down. */
  | {
      kind: "tabletop";
      wallTop: Rgb;
      wallBottom: Rgb;
      tableAt: number;
      surface:
        | { kind: "wood"; light: Rgb; dark: Rgb; planks: number }
        | { kind: "marble"; base: Rgb; vein: Rgb };
    };

export interface SceneTemplate {
  id: string;
  name: string;
  description: string;
  /** The scene in words, for generative providers (Replicate). */
  prompt: string;
  /** Words in a merchant's prompt that point the local provider to this template, by weight. */
  keywords: Record<string, number>;
  layout: {
    /** Where the product's base stands, as a fraction of the scene's height. */
    floor: number;
    /** The most of the scene's width and height the product may fill (it is never enlarged). */
    maxWidth: number;
    maxHeight: number;
  };
  shadow: { opacity: number; softness: number };
  reflection: { opacity: number; fade: number } | null;
  backdrop: Backdrop;
}

export const SCENE_TEMPLATES: readonly SceneTemplate[] = [
  {
    id: "white-sweep",
    name: "White sweep",
    description: "A seamless white studio backdrop with a soft contact shadow.",
    prompt:
      "the product on a seamless white studio paper sweep, bright even softbox lighting, " +
      "a soft natural contact shadow under the product, clean commercial product photography",
    keywords: { white: 1, studio: 1, seamless: 2, sweep: 3, plain: 1, clean: 1, minimal: 1 },
    layout: { floor: 0.86, maxWidth: 0.8, maxHeight: 0.74 },
    shadow: { opacity: 0.38, softness: 1 },
    reflection: null,
    backdrop: {
      kind: "sweep",
      wallTop: [236, 237, 239],
      horizon: [250, 250, 251],
      floor: [255, 255, 255],
      horizonAt: 0.62,
    },
  },
  {
    id: "soft-grey",
    name: "Soft grey gradient",
    description: "A neutral grey gradient, lighter behind the product.",
    prompt:
      "the product in front of a soft neutral grey gradient studio background, lighter " +
      "behind the product, diffuse light, subtle shadow, professional product photography",
    keywords: { grey: 3, gray: 3, gradient: 3, neutral: 2, studio: 1, moody: 1 },
    layout: { floor: 0.84, maxWidth: 0.78, maxHeight: 0.72 },
    shadow: { opacity: 0.45, softness: 1.2 },
    reflection: null,
    backdrop: { kind: "radial", centre: [226, 227, 229], edge: [164, 166, 170] },
  },
  {
    id: "warm-wood",
    name: "Warm wood tabletop",
    description: "A warm oak tabletop against a softly lit cream wall.",
    prompt:
      "the product standing on a warm oak wooden tabletop against a softly lit cream wall, " +
      "natural window light from the left, shallow depth of field, lifestyle product photography",
    keywords: { wood: 3, wooden: 3, oak: 3, tabletop: 2, table: 1, rustic: 2, warm: 1, desk: 1 },
    layout: { floor: 0.8, maxWidth: 0.74, maxHeight: 0.68 },
    shadow: { opacity: 0.5, softness: 0.9 },
    reflection: { opacity: 0.07, fade: 0.18 },
    backdrop: {
      kind: "tabletop",
      wallTop: [239, 232, 220],
      wallBottom: [221, 210, 194],
      tableAt: 0.62,
      surface: { kind: "wood", light: [196, 146, 98], dark: [139, 92, 55], planks: 4 },
    },
  },
  {
    id: "marble",
    name: "Marble counter",
    description: "A polished white marble counter with soft grey veins.",
    prompt:
      "the product on a polished white marble countertop with soft grey veining, bright airy " +
      "room, soft reflection, elegant premium product photography",
    keywords: { marble: 3, stone: 2, counter: 2, countertop: 2, luxury: 1, elegant: 1 },
    layout: { floor: 0.8, maxWidth: 0.74, maxHeight: 0.68 },
    shadow: { opacity: 0.35, softness: 0.9 },
    reflection: { opacity: 0.16, fade: 0.22 },
    backdrop: {
      kind: "tabletop",
      wallTop: [233, 234, 236],
      wallBottom: [214, 215, 218],
      tableAt: 0.6,
      surface: { kind: "marble", base: [241, 240, 238], vein: [150, 152, 158] },
    },
  },
];

export function findTemplate(id: string): SceneTemplate {
  const template = SCENE_TEMPLATES.find((candidate) => candidate.id === id);
  if (!template) {
    throw new AiProviderError(
      "unknown_template",
      `There is no scene template "${id}". Choose one of: ${templateNames()}.`,
      false,
    );
  }
  return template;
}

function templateNames() {
  return SCENE_TEMPLATES.map((template) => template.name).join(", ");
}

/**
 * The template whose keywords a prompt mentions most (ties go to the earlier template), or null.
 * This is how the offline provider answers a written prompt: honestly, with the closest template.
 */
export function templateForPrompt(prompt: string): SceneTemplate | null {
  const words = prompt.toLowerCase().match(/[a-z]+/g) ?? [];
  let best: SceneTemplate | null = null;
  let bestScore = 0;
  for (const template of SCENE_TEMPLATES) {
    const score = words.reduce((sum, word) => sum + (template.keywords[word] ?? 0), 0);
    if (score > bestScore) {
      best = template;
      bestScore = score;
    }
  }
  return best;
}

/** The local provider's rule: a template by id, else the one a prompt names, else a clear no. */
export function resolveTemplate(request: { templateId?: string; prompt?: string }): SceneTemplate {
  if (request.templateId) return findTemplate(request.templateId);
  const prompt = request.prompt?.trim();
  if (!prompt) {
    throw new AiProviderError(
      "invalid_request",
      "Choose a scene template or describe a scene.",
      false,
    );
  }
  const template = templateForPrompt(prompt);
  if (!template) {
    throw new AiProviderError(
      "prompt_not_supported",
      "Scenes written as a prompt need the AI scene service, which isn't enabled for this store. " +
        `Choose a studio template instead: ${templateNames()}.`,
      false,
    );
  }
  return template;
}
