/**
 * The emulator's models: the real models' names, versions and input names, with deterministic
 * stand-ins computed by sharp, so a test can check what came back. None of them is a real model;
 * each does the simplest honest thing that produces an output of the right shape:
 *
 * - bria/remove-background: each pixel kept or dropped by its colour distance to the border's
 *   median colour, decided at a coarse scale (no specks), with an outline a few pixels soft.
 * - nightmareai/real-esrgan: a Lanczos resize by `scale`.
 * - black-forest-labs/flux-kontext-pro: a gradient picked from the prompt, with the input image's
 *   non-canvas pixels composited over it, deliberately tinted (a generative model does not keep
 *   the product's pixels: the app must paste the original back), at about one megapixel.
 * - bria/eraser: the masked area filled with the mean colour of a ring around it.
 * - yorickvp/llava-13b: a one-sentence caption from average colours, streamed as tokens.
 */
import { createHash } from "node:crypto";

import sharp from "sharp";

export interface OutputFile {
  name: string;
  contentType: string;
  bytes: Buffer;
}

export interface ModelResult {
  /** Files become delivery URLs: a single string, or a list when `list` is true. */
  files?: OutputFile[];
  list?: boolean;
  /** Non-file output, returned as is (a string, or a list of tokens). */
  value?: unknown;
  logs: string;
}

export interface ModelContext {
  /** Reads an image input: a data URI, a file the emulator holds, or an http(s) URL. */
  readImage(field: string): Promise<Buffer>;
}

export interface FakeModel {
  owner: string;
  name: string;
  /** Official models run by name (POST /v1/models/{owner}/{name}/predictions) without a version. */
  official: boolean;
  version: string;
  required: string[];
  run(input: Record<string, unknown>, context: ModelContext): Promise<ModelResult>;
}

async function rgba(bytes: Buffer) {
  const { data, info } = await sharp(bytes)
    .rotate()
    .toColourspace("srgb")
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function borderMedian(image: { data: Buffer; width: number; height: number }) {
  const channels: number[][] = [[], [], []];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (x > 0 && y > 0 && x < image.width - 1 && y < image.height - 1) continue;
      const o = (y * image.width + x) * 4;
      for (let c = 0; c < 3; c++) channels[c]!.push(image.data[o + c]!);
    }
  }
  return channels.map((values) => values.sort((a, b) => a - b)[values.length >> 1]!) as [
    number,
    number,
    number,
  ];
}

function png(bytes: Buffer): OutputFile {
  return { name: "out-0.png", contentType: "image/png", bytes };
}

/**
 * PNG encoding for outputs, fast rather than small: at zlib's default level, encoding was half
 * of a background removal's CPU time, and load tests run hundreds of them.
 */
function encodePng(image: sharp.Sharp) {
  return image.png({ compressionLevel: 1, adaptiveFiltering: false }).toBuffer();
}

/**
 * Alpha by squared colour distance to the backdrop: ramps from 0 at a distance of 25 to 255 at
 * 60. A table of every possible squared distance (3 × 255², 191 kB) spares a square root and a
 * division per pixel.
 */
let alphaTable: Uint8Array | null = null;
function alphaBySquaredDistance() {
  if (alphaTable) return alphaTable;
  alphaTable = new Uint8Array(3 * 255 * 255 + 1);
  for (let d2 = 0; d2 < alphaTable.length; d2++) {
    alphaTable[d2] = Math.round(255 * Math.min(1, Math.max(0, (Math.sqrt(d2) - 25) / 35)));
  }
  return alphaTable;
}

/**
 * The longest side the fake decides at: coarse like a segmentation network's view of a photo (about
 * 1,024 px), halved to keep the fake cheap.
 */
const DECISION_SIDE = 512;

/**
 * A matte shaped like a segmentation model's: the colour key decided at the coarse scale a
 * network works at (which also clears the specks a key leaves on a textured backdrop), then
 * brought to full size with a smooth outline and a steep ramp, so alpha is partial along the
 * outline only, a few pixels wide, as a real model's is. The key's alpha taken at full size was
 * partial wherever the backdrop's shading varied, which no real model returns, and the app's edge
 * work (whose cost follows the partial pixels) then cost about twice what a real matte makes it.
 */
async function modelLikeMatte(photo: Buffer, width: number, height: number): Promise<Buffer> {
  const scale = Math.min(1, DECISION_SIDE / Math.max(width, height));
  const cw = Math.max(1, Math.round(width * scale));
  const ch = Math.max(1, Math.round(height * scale));
  const { data: pixels } = await sharp(photo)
    .rotate()
    .resize(cw, ch, { fit: "fill" })
    .toColourspace("srgb")
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const small = { data: pixels, width: cw, height: ch };
  const [r0, g0, b0] = borderMedian(small);
  const keyAlpha = alphaBySquaredDistance();
  const key = Buffer.allocUnsafe(cw * ch);
  for (let o = 0, i = 0; o < small.data.length; o += 4, i++) {
    const dr = small.data[o]! - r0;
    const dg = small.data[o + 1]! - g0;
    const db = small.data[o + 2]! - b0;
    key[i] = keyAlpha[dr * dr + dg * dg + db * db]!;
  }
  const coarse = await sharp(key, { raw: { width: cw, height: ch, channels: 1 } })
    .median(3)
    .toColourspace("b-w")
    .raw()
    .toBuffer();
  // The decision at 96 of 255; ×6 around it makes the outline a ramp a few pixels wide.
  const ramp = Uint8Array.from({ length: 256 }, (_, v) =>
    Math.min(255, Math.max(0, Math.round(6 * (v - 96) + 128))),
  );
  // Bilinear upsampling, by hand: libvips' upscale of the full-size plane cost more than the rest.
  const x0s = new Int32Array(width);
  const wxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const at = Math.min(cw - 1, Math.max(0, (x + 0.5) * (cw / width) - 0.5));
    x0s[x] = Math.floor(at);
    wxs[x] = at - Math.floor(at);
  }
  const alpha = Buffer.allocUnsafe(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(ch - 1, Math.max(0, (y + 0.5) * (ch / height) - 0.5));
    const row0 = Math.floor(sy) * cw;
    const row1 = Math.min(ch - 1, Math.floor(sy) + 1) * cw;
    const wy = sy - Math.floor(sy);
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const x0 = x0s[x]!;
      const x1 = Math.min(cw - 1, x0 + 1);
      const a = coarse[row0 + x0]!;
      const b = coarse[row0 + x1]!;
      const c = coarse[row1 + x0]!;
      const d = coarse[row1 + x1]!;
      if (a === b && a === c && a === d) {
        alpha[i] = ramp[a]!;
        continue;
      }
      const wx = wxs[x]!;
      const top = a + (b - a) * wx;
      const value = top + (c + (d - c) * wx - top) * wy;
      alpha[i] = ramp[Math.round(value)]!;
    }
  }
  return alpha;
}

const removeBackground: FakeModel = {
  owner: "bria",
  name: "remove-background",
  official: true,
  version: "4ed060b3587b7c3912353dd7d59000c883a6e1c5c9181ed7415c2624c2e8e392",
  required: ["image"],
  async run(input, context) {
    const photo = await context.readImage("image");
    const image = await rgba(photo);
    const alpha = await modelLikeMatte(photo, image.width, image.height);
    const data = image.data;
    for (let o = 3, i = 0; o < data.length; o += 4, i++) data[o] = alpha[i]!;
    const out = await encodePng(
      sharp(data, { raw: { width: image.width, height: image.height, channels: 4 } }),
    );
    return { files: [png(out)], logs: "Removing background\n" };
  },
};

const realEsrgan: FakeModel = {
  owner: "nightmareai",
  name: "real-esrgan",
  official: false,
  version: "42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b",
  required: ["image"],
  async run(input, context) {
    const scale = typeof input.scale === "number" ? input.scale : 4;
    const source = await context.readImage("image");
    const meta = await sharp(source).metadata();
    const out = await encodePng(
      sharp(source)
        .rotate()
        .resize(Math.round(meta.width! * scale), Math.round(meta.height! * scale), {
          kernel: "lanczos3",
        }),
    );
    return { files: [png(out)], logs: `Upscaling ${scale}x\n` };
  },
};

const fluxKontextPro: FakeModel = {
  owner: "black-forest-labs",
  name: "flux-kontext-pro",
  official: true,
  version: "0f1178f5a27e9aa2d2d39c8a43c110f7fa7cbf64062ff04a04cd40899e546065",
  required: ["prompt"],
  async run(input, context) {
    const prompt = String(input.prompt);
    const digest = createHash("sha256").update(prompt).digest();
    const top = [digest[0]!, digest[1]!, digest[2]!];
    const bottom = [digest[3]!, digest[4]!, digest[5]!];
    const guide = input.input_image ? await rgba(await context.readImage("input_image")) : null;
    // Kontext answers at about a megapixel, matching the input's aspect ratio.
    const aspect = guide ? guide.width / guide.height : 1;
    const height = Math.round(Math.sqrt(1_048_576 / aspect) / 16) * 16;
    const width = Math.round((height * aspect) / 16) * 16;
    const resized = guide
      ? await sharp(guide.data, { raw: { width: guide.width, height: guide.height, channels: 4 } })
          .resize(width, height, { fit: "fill" })
          .raw()
          .toBuffer()
      : null;
    const canvas = guide ? [resized![0]!, resized![1]!, resized![2]!] : [0, 0, 0];
    const out = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      const t = y / Math.max(1, height - 1);
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 3;
        const s = (y * width + x) * 4;
        const isProduct =
          resized &&
          Math.hypot(
            resized[s]! - canvas[0]!,
            resized[s + 1]! - canvas[1]!,
            resized[s + 2]! - canvas[2]!,
          ) > 8;
        for (let c = 0; c < 3; c++) {
          out[o + c] = isProduct
            ? Math.min(255, Math.round(resized![s + c]! * 0.8 + (c === 0 ? 40 : 0)))
            : Math.round(top[c]! + (bottom[c]! - top[c]!) * t);
        }
      }
    }
    const format = input.output_format === "jpg" ? "jpg" : "png";
    const encoded = sharp(out, { raw: { width, height, channels: 3 } });
    const bytes =
      format === "jpg"
        ? await encoded.jpeg({ quality: 90 }).toBuffer()
        : await encoded.png().toBuffer();
    return {
      files: [
        {
          name: `output.${format}`,
          contentType: format === "jpg" ? "image/jpeg" : "image/png",
          bytes,
        },
      ],
      logs: `Generating ${width}x${height}\n`,
    };
  },
};

const eraser: FakeModel = {
  owner: "bria",
  name: "eraser",
  official: true,
  version: "893e924eecc119a0c5fbfa5d98401118dcbf0662574eb8d2c01be5749756cbd4",
  required: ["image", "mask"],
  async run(input, context) {
    const image = await rgba(await context.readImage("image"));
    const maskSource = await context.readImage("mask");
    const mask = await sharp(maskSource)
      .resize(image.width, image.height, { fit: "fill" })
      .toColourspace("b-w")
      .extractChannel(0)
      .raw()
      .toBuffer();
    const inside = (x: number, y: number) => mask[y * image.width + x]! >= 128;
    const sums = [0, 0, 0];
    let count = 0;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        if (inside(x, y)) continue;
        // The ring: outside the mask, within 6 pixels of it.
        let near = false;
        for (let dy = -6; dy <= 6 && !near; dy += 3) {
          for (let dx = -6; dx <= 6 && !near; dx += 3) {
            const nx = x + dx;
            const ny = y + dy;
            near = nx >= 0 && ny >= 0 && nx < image.width && ny < image.height && inside(nx, ny);
          }
        }
        if (!near) continue;
        const o = (y * image.width + x) * 4;
        for (let c = 0; c < 3; c++) sums[c]! += image.data[o + c]!;
        count += 1;
      }
    }
    for (let i = 0; i < image.width * image.height; i++) {
      if (mask[i]! < 128) continue;
      for (let c = 0; c < 3; c++) image.data[i * 4 + c] = count ? Math.round(sums[c]! / count) : 0;
    }
    const out = await sharp(image.data, {
      raw: { width: image.width, height: image.height, channels: 4 },
    })
      .png()
      .toBuffer();
    return { files: [png(out)], logs: "Erasing\n" };
  },
};

function colourWord([r, g, b]: number[]) {
  const max = Math.max(r!, g!, b!);
  const min = Math.min(r!, g!, b!);
  if (max - min < 24) return max > 200 ? "white" : max < 60 ? "black" : "grey";
  if (max === r) return g! > b! + 40 ? "orange" : "red";
  if (max === g) return "green";
  return "blue";
}

const llava: FakeModel = {
  owner: "yorickvp",
  name: "llava-13b",
  official: false,
  version: "80537f9eead1a5bfa72d5ac6ea6414379be41d4d4f6679fd776e9535d1eb58bb",
  required: ["image"],
  async run(input, context) {
    const source = await context.readImage("image");
    const { data, info } = await sharp(source)
      .resize(32, 32, { fit: "fill" })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const average = (inner: boolean) => {
      const sums = [0, 0, 0];
      let n = 0;
      for (let y = 0; y < info.height; y++) {
        for (let x = 0; x < info.width; x++) {
          const isInner = x >= 8 && x < 24 && y >= 8 && y < 24;
          if (isInner !== inner) continue;
          for (let c = 0; c < 3; c++) sums[c]! += data[(y * info.width + x) * 3 + c]!;
          n += 1;
        }
      }
      return sums.map((s) => s / n);
    };
    const sentence = `The image shows a ${colourWord(average(true))} product on a ${colourWord(
      average(false),
    )} background.`;
    // LLaVA streams its answer: the output is a list of tokens to be joined.
    const tokens = sentence.split(/(?= )/);
    return { value: tokens, logs: `Prompt: ${String(input.prompt ?? "")}\n` };
  },
};

export const EMULATED_MODELS: readonly FakeModel[] = [
  removeBackground,
  realEsrgan,
  fluxKontextPro,
  eraser,
  llava,
];
