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
  /**
   * A wall with soft out-of-focus lights (a string of fairy lights, a sunny window) above a plain
   * floor from `floorAt` down: the lights stay off the floor, where the product's shadow falls.
   */
  | { kind: "bokeh"; wallTop: Rgb; wallBottom: Rgb; floor: Rgb; floorAt: number; lights: Rgb[] }
  /** A wall, and a tabletop seen in perspective from `tableAt` down. */
  | {
      kind: "tabletop";
      wallTop: Rgb;
      wallBottom: Rgb;
      tableAt: number;
      surface:
        | { kind: "wood"; light: Rgb; dark: Rgb; planks: number }
        | { kind: "marble"; base: Rgb; vein: Rgb }
        /** A woven cloth: fine crossing threads over a slightly uneven dye. */
        | { kind: "linen"; base: Rgb; thread: Rgb };
    };

/** The shelves of the template library on the new-job page, in the order they are shown. */
export const SCENE_VERTICALS = [
  { id: "essentials", name: "Studio essentials" },
  { id: "fashion", name: "Fashion & apparel" },
  { id: "jewellery", name: "Jewellery" },
  { id: "cosmetics", name: "Cosmetics & beauty" },
  { id: "electronics", name: "Electronics" },
  { id: "home", name: "Home & living" },
  { id: "food", name: "Food & drink" },
  { id: "holiday", name: "Seasonal: holiday" },
  { id: "summer", name: "Seasonal: summer" },
] as const;

export type SceneVertical = (typeof SCENE_VERTICALS)[number]["id"];

/**
 * What every scene prompt asks a generative model to avoid: the failures product scenes show most
 * (a second product, text, a changed product). Each template adds its own.
 */
const COMMON_NEGATIVE =
  "extra products, duplicate product, text, watermark, logo, hands, people, distorted product, " +
  "changed product shape or colour, blurry, low quality";

export interface SceneTemplate {
  id: string;
  name: string;
  description: string;
  vertical: SceneVertical;
  /** The scene in words, for generative providers (Replicate). */
  prompt: string;
  /** What the scene must not show, for models that take a negative prompt. */
  negativePrompt: string;
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

type Look = Pick<SceneTemplate, "layout" | "shadow" | "reflection">;

const STANDING: Look = {
  layout: { floor: 0.82, maxWidth: 0.76, maxHeight: 0.7 },
  shadow: { opacity: 0.42, softness: 1 },
  reflection: null,
};
const ON_TABLE: Look = {
  layout: { floor: 0.8, maxWidth: 0.72, maxHeight: 0.66 },
  shadow: { opacity: 0.48, softness: 0.9 },
  reflection: null,
};
const GLOSSY: Look = {
  layout: { floor: 0.8, maxWidth: 0.7, maxHeight: 0.64 },
  shadow: { opacity: 0.36, softness: 0.8 },
  reflection: { opacity: 0.18, fade: 0.22 },
};

function template(
  fields: Omit<SceneTemplate, "negativePrompt" | keyof Look> & { avoid: string; look: Look },
): SceneTemplate {
  const { avoid, look, ...rest } = fields;
  return { ...rest, ...look, negativePrompt: `${COMMON_NEGATIVE}, ${avoid}` };
}

/** Two scenes per vertical and season, in SCENE_VERTICALS order after the essentials. */
function verticalTemplates(): SceneTemplate[] {
  return [
    template({
      id: "fashion-linen",
      name: "Linen flat lay",
      description: "Natural linen cloth under soft daylight, for folded garments and accessories.",
      vertical: "fashion",
      prompt:
        "the product on natural oatmeal linen fabric, soft diffused daylight, gentle folds, " +
        "calm editorial fashion product photography",
      avoid: "mannequin, creased mess, saturated colours",
      keywords: { linen: 3, fabric: 2, cloth: 2, textile: 2, apparel: 1, fashion: 1 },
      look: ON_TABLE,
      backdrop: {
        kind: "tabletop",
        wallTop: [238, 233, 224],
        wallBottom: [226, 218, 205],
        tableAt: 0.58,
        surface: { kind: "linen", base: [214, 202, 184], thread: [190, 176, 156] },
      },
    }),
    template({
      id: "fashion-blush-studio",
      name: "Blush studio",
      description: "A warm blush-pink paper sweep, for shoes, bags and apparel.",
      vertical: "fashion",
      prompt:
        "the product on a seamless blush pink paper sweep, soft fashion studio lighting, " +
        "gentle shadow, modern minimal apparel campaign photography",
      avoid: "busy background, neon colours, dark shadows",
      keywords: { blush: 3, pink: 2, pastel: 1, apparel: 1, shoes: 1, bag: 1 },
      look: STANDING,
      backdrop: {
        kind: "sweep",
        wallTop: [236, 206, 204],
        horizon: [245, 222, 219],
        floor: [248, 230, 227],
        horizonAt: 0.6,
      },
    }),
    template({
      id: "jewellery-velvet",
      name: "Midnight velvet",
      description: "A deep navy gradient that makes metal and stones sparkle.",
      vertical: "jewellery",
      prompt:
        "the jewellery piece on deep midnight blue velvet, dramatic soft spotlight, sparkling " +
        "highlights on metal and gemstones, luxury jewellery photography",
      avoid: "fingerprints, dust, dull metal, busy background",
      keywords: { velvet: 3, navy: 2, midnight: 2, jewellery: 1, jewelry: 1, ring: 1 },
      look: STANDING,
      // A sweep, not a radial glow: the floor stays evenly lit, so the contact shadow reads.
      backdrop: {
        kind: "sweep",
        wallTop: [16, 20, 40],
        horizon: [44, 54, 88],
        floor: [78, 92, 132],
        horizonAt: 0.6,
      },
    }),
    template({
      id: "jewellery-ivory-marble",
      name: "Ivory marble",
      description: "Warm ivory marble with fine gold-grey veins and a soft reflection.",
      vertical: "jewellery",
      prompt:
        "the jewellery piece on warm ivory marble with fine gold veining, soft reflection, " +
        "bright airy light, elegant fine jewellery photography",
      avoid: "cracked stone, harsh reflections, clutter",
      keywords: { ivory: 3, gold: 2, veins: 1, fine: 1, luxe: 2 },
      look: GLOSSY,
      backdrop: {
        kind: "tabletop",
        wallTop: [240, 234, 224],
        wallBottom: [225, 216, 202],
        tableAt: 0.58,
        surface: { kind: "marble", base: [244, 238, 228], vein: [176, 150, 110] },
      },
    }),
    template({
      id: "cosmetics-pastel",
      name: "Pastel podium",
      description: "A soft lilac-to-peach gradient, for skincare and make-up.",
      vertical: "cosmetics",
      prompt:
        "the cosmetic product on a soft pastel lilac and peach gradient background, dewy light, " +
        "clean beauty product photography",
      avoid: "smudges, spilled product, harsh light",
      keywords: { pastel: 3, lilac: 3, peach: 2, skincare: 2, beauty: 2, cosmetics: 2 },
      look: GLOSSY,
      backdrop: {
        kind: "sweep",
        wallTop: [214, 200, 232],
        horizon: [240, 214, 212],
        floor: [246, 226, 218],
        horizonAt: 0.6,
      },
    }),
    template({
      id: "cosmetics-spa-stone",
      name: "Spa stone",
      description: "Pale travertine in soft light, for skincare and bath products.",
      vertical: "cosmetics",
      prompt:
        "the product on pale travertine stone in a calm spa, soft morning light, subtle water " +
        "droplets, natural skincare photography",
      avoid: "dirty water, clutter, cold blue light",
      keywords: { spa: 3, travertine: 3, bath: 2, skincare: 1, calm: 1 },
      look: ON_TABLE,
      backdrop: {
        kind: "tabletop",
        wallTop: [232, 228, 220],
        wallBottom: [216, 209, 198],
        tableAt: 0.6,
        surface: { kind: "marble", base: [226, 216, 198], vein: [196, 182, 160] },
      },
    }),
    template({
      id: "electronics-dark-desk",
      name: "Dark desk",
      description: "A charcoal studio gradient with a glossy floor, for gadgets.",
      vertical: "electronics",
      prompt:
        "the device on a glossy charcoal surface against a dark graphite gradient, cool rim " +
        "light, sleek modern tech product photography",
      avoid: "cables, screen glare, fingerprints, clutter",
      keywords: { charcoal: 3, graphite: 3, dark: 2, tech: 2, gadget: 2, sleek: 1 },
      look: STANDING,
      backdrop: {
        kind: "sweep",
        wallTop: [40, 43, 50],
        horizon: [84, 88, 98],
        floor: [124, 128, 138],
        horizonAt: 0.62,
      },
    }),
    template({
      id: "electronics-cool-white",
      name: "Cool white desk",
      description: "A bright, cool white desk in a minimal workspace.",
      vertical: "electronics",
      prompt:
        "the device on a bright white desk in a minimal modern workspace, cool daylight, " +
        "soft shadow, clean technology product photography",
      avoid: "cables, clutter, warm colour cast",
      keywords: { workspace: 3, office: 2, desk: 1, cool: 2, modern: 1 },
      look: STANDING,
      backdrop: {
        kind: "tabletop",
        wallTop: [228, 234, 240],
        wallBottom: [212, 220, 228],
        tableAt: 0.62,
        surface: { kind: "linen", base: [244, 246, 248], thread: [232, 236, 240] },
      },
    }),
    template({
      id: "home-oak-shelf",
      name: "Oak sideboard",
      description: "A light oak surface against a warm sage wall, for decor and homeware.",
      vertical: "home",
      prompt:
        "the product on a light oak sideboard against a warm sage green wall, soft afternoon " +
        "light, cosy interior lifestyle photography",
      avoid: "clutter, dark room, people",
      keywords: { sage: 3, sideboard: 3, interior: 2, decor: 2, homeware: 2, cosy: 1 },
      look: ON_TABLE,
      backdrop: {
        kind: "tabletop",
        wallTop: [196, 206, 186],
        wallBottom: [178, 190, 168],
        tableAt: 0.62,
        surface: { kind: "wood", light: [222, 190, 146], dark: [176, 138, 96], planks: 3 },
      },
    }),
    template({
      id: "home-terracotta",
      name: "Terracotta wall",
      description: "A sun-warmed terracotta wall over a cream floor, for ceramics and plants.",
      vertical: "home",
      prompt:
        "the product in front of a warm terracotta plaster wall on a cream floor, soft natural " +
        "light, mediterranean home decor photography",
      avoid: "cracks, clutter, cold light",
      keywords: { terracotta: 3, plaster: 2, ceramics: 2, mediterranean: 2, clay: 2 },
      look: STANDING,
      backdrop: {
        kind: "sweep",
        wallTop: [196, 122, 92],
        horizon: [218, 160, 128],
        floor: [236, 222, 204],
        horizonAt: 0.62,
      },
    }),
    template({
      id: "food-rustic-board",
      name: "Rustic board",
      description: "Dark walnut planks under warm light, for food and drink.",
      vertical: "food",
      prompt:
        "the product on a rustic dark walnut board, warm side light, a few scattered natural " +
        "ingredients out of focus, appetising food photography",
      avoid: "spilled food, flies, cold light, messy table",
      keywords: { walnut: 3, board: 2, food: 2, kitchen: 2, ingredients: 2 },
      look: ON_TABLE,
      backdrop: {
        kind: "tabletop",
        wallTop: [92, 78, 66],
        wallBottom: [70, 58, 48],
        tableAt: 0.6,
        surface: { kind: "wood", light: [132, 94, 64], dark: [78, 52, 34], planks: 5 },
      },
    }),
    template({
      id: "food-tablecloth",
      name: "Breakfast table",
      description: "A cream tablecloth in morning light, for drinks, snacks and bakes.",
      vertical: "food",
      prompt:
        "the product on a cream cotton tablecloth at a bright breakfast table, morning light " +
        "from a window, fresh appetising food and drink photography",
      avoid: "stains, crumbs, dark room",
      keywords: { breakfast: 3, tablecloth: 3, morning: 2, drink: 1, bakery: 2 },
      look: ON_TABLE,
      backdrop: {
        kind: "tabletop",
        wallTop: [246, 240, 228],
        wallBottom: [234, 224, 206],
        tableAt: 0.6,
        surface: { kind: "linen", base: [242, 234, 218], thread: [222, 210, 190] },
      },
    }),
    template({
      id: "holiday-lights",
      name: "Holiday lights",
      description: "Warm fairy lights glowing out of focus behind the product.",
      vertical: "holiday",
      prompt:
        "the product in front of warm golden out-of-focus fairy lights, deep green and burgundy " +
        "tones, cosy festive holiday season product photography",
      avoid: "santa, text, snowmen, cluttered decorations",
      keywords: { holiday: 3, christmas: 3, festive: 3, lights: 2, fairy: 2, gift: 1 },
      look: STANDING,
      backdrop: {
        kind: "bokeh",
        wallTop: [34, 58, 44],
        wallBottom: [62, 40, 40],
        floor: [226, 214, 196],
        floorAt: 0.64,
        lights: [
          [255, 214, 140],
          [255, 190, 110],
          [250, 232, 190],
        ],
      },
    }),
    template({
      id: "holiday-snow",
      name: "Winter white",
      description: "A frosty pale-blue sweep, for winter gifts.",
      vertical: "holiday",
      prompt:
        "the product on soft fresh snow against a pale icy blue background, gentle winter " +
        "light, festive gift product photography",
      avoid: "dirty snow, people, text",
      keywords: { winter: 3, snow: 3, frost: 2, icy: 2, gift: 1 },
      look: STANDING,
      backdrop: {
        kind: "sweep",
        wallTop: [206, 222, 236],
        horizon: [232, 240, 248],
        floor: [248, 250, 252],
        horizonAt: 0.6,
      },
    }),
    template({
      id: "summer-sunlit",
      name: "Sunlit window",
      description: "Bright summer light dappling a warm sandy wall.",
      vertical: "summer",
      prompt:
        "the product on a sandy stone ledge in bright summer sunlight, dappled light through " +
        "leaves, warm cheerful summer lifestyle photography",
      avoid: "overexposed highlights, people, text",
      keywords: { summer: 3, sunny: 3, sunlit: 3, dappled: 2, bright: 1 },
      look: STANDING,
      backdrop: {
        kind: "bokeh",
        wallTop: [240, 220, 182],
        wallBottom: [230, 204, 160],
        floor: [236, 218, 188],
        floorAt: 0.64,
        lights: [
          [255, 246, 214],
          [255, 236, 190],
        ],
      },
    }),
    template({
      id: "summer-poolside",
      name: "Poolside",
      description: "Clear turquoise fading to white, fresh as a summer pool.",
      vertical: "summer",
      prompt:
        "the product by a bright turquoise swimming pool, white tiles, sparkling water, fresh " +
        "summer holiday product photography",
      avoid: "people, murky water, text",
      keywords: { poolside: 3, pool: 3, turquoise: 3, aqua: 2, tropical: 2 },
      look: STANDING,
      backdrop: {
        kind: "sweep",
        wallTop: [92, 196, 208],
        horizon: [168, 226, 230],
        floor: [240, 248, 248],
        horizonAt: 0.6,
      },
    }),
  ];
}

export const SCENE_TEMPLATES: readonly SceneTemplate[] = [
  {
    id: "white-sweep",
    name: "White sweep",
    description: "A seamless white studio backdrop with a soft contact shadow.",
    vertical: "essentials",
    prompt:
      "the product on a seamless white studio paper sweep, bright even softbox lighting, " +
      "a soft natural contact shadow under the product, clean commercial product photography",
    negativePrompt: `${COMMON_NEGATIVE}, visible seams, coloured background, harsh shadows`,
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
    vertical: "essentials",
    prompt:
      "the product in front of a soft neutral grey gradient studio background, lighter " +
      "behind the product, diffuse light, subtle shadow, professional product photography",
    negativePrompt: `${COMMON_NEGATIVE}, busy background, colour cast, hard vignette`,
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
    vertical: "essentials",
    prompt:
      "the product standing on a warm oak wooden tabletop against a softly lit cream wall, " +
      "natural window light from the left, shallow depth of field, lifestyle product photography",
    negativePrompt: `${COMMON_NEGATIVE}, clutter, cold light, dark wood`,
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
    vertical: "essentials",
    prompt:
      "the product on a polished white marble countertop with soft grey veining, bright airy " +
      "room, soft reflection, elegant premium product photography",
    negativePrompt: `${COMMON_NEGATIVE}, dirty surface, heavy veining, dark stone`,
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
  ...verticalTemplates(),
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
