/**
 * Image engine benchmarks (`npm run bench:images`), printed as `BENCH <name> <value> <unit>`:
 *
 * - preset_throughput_ratio: images/s of the Amazon preset through the engine, divided by
 *   images/s of a minimal hand-written sharp pipeline doing the same pixel work (find the
 *   product on a preview with sharp's trim, then one resize-crop-pad-encode pass), on the same
 *   12 MP photos in the same run, interleaved. Target >= 0.90. The outputs are checked to match.
 * - preset_overhead_ratio: the same, with the hand-written pipeline finding the product with
 *   the engine's own detector (cheaper than sharp's trim), leaving only what the engine's
 *   checks and structure cost.
 * - peak_rss_25mp_mb: peak resident memory of a fresh process that runs one 25 MP JPEG through
 *   the Amazon preset (Node and sharp included). Target <= 400.
 * - bomb_reject_ms: time to refuse the 65,536 × 65,536 PNG decompression bomb. Target <= 50.
 *
 * The 12 and 25 MP inputs are generated from the catalog photos (enlarged, so they are larger
 * in pixels than in detail, like many phone photos).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import sharp from "sharp";

import { findContentBox } from "../app/images/edits/trim.ts";
import { openImage } from "../app/images/intake.ts";
import { processImage } from "../app/images/pipeline.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const CATALOG = path.join(ROOT, "emulators/shopify/catalog");
const BOMB = path.join(ROOT, "tests/fixtures/images/65536-uint32-limit.png");
/**
 * Products on plain white, black and colour backgrounds (trimmed) and in scenes (kept whole);
 * landscape, portrait and square. Chosen so that sharp's trim in the hand-written pipeline finds
 * the same product as the engine: both then do the same pixel work (checked below).
 */
const PHOTOS = [
  "imani-clovis-234736-unsplash.jpg",
  "zoltan-tasi-423051-unsplash.jpg",
  "stoica-ionela-530966-unsplash.jpg",
  "liam-briese-1128307-unsplash.jpg",
  "brandi-redd-104140-unsplash.jpg",
  "daniel-korpai-1302051-unsplash.jpg",
];
const ROUNDS = 6;

function report(name: string, value: number, unit: string) {
  console.log(`BENCH ${name} ${Number(value.toFixed(3))} ${unit}`);
}

async function photoOf(name: string, megapixels: number, orientation = 1): Promise<Buffer> {
  const file = path.join(CATALOG, name);
  const { width = 1, height = 1 } = await sharp(file).metadata();
  const scale = Math.sqrt((megapixels * 1e6) / (width * height));
  const image = sharp(file).resize(Math.round(width * scale), Math.round(height * scale));
  if (orientation !== 1) {
    // Stored turned, with the EXIF tag that turns it back, like a portrait phone photo.
    image.rotate(orientation === 6 ? -90 : 0).withMetadata({ orientation });
  }
  return image.jpeg({ quality: 90 }).toBuffer();
}

type Preview = { data: Buffer; width: number; height: number; channels: sharp.Channels };
type FindBox = (
  preview: Preview,
) => Promise<{ left: number; top: number; width: number; height: number }>;

/** sharp's own trim, the obvious hand-written way to find a product on a plain background. */
const sharpTrim: FindBox = async ({ data, width, height, channels }) => {
  const { info } = await sharp(data, { raw: { width, height, channels } })
    .trim({ threshold: 24 })
    .toBuffer({ resolveWithObject: true });
  const left = -(info.trimOffsetLeft ?? 0);
  const top = -(info.trimOffsetTop ?? 0);
  return { left, top, width: info.width, height: info.height };
};

/** The engine's own detector, to measure what the engine's structure costs and nothing else. */
const engineScan: FindBox = async (preview) => {
  const found = findContentBox(preview);
  return found.method === "empty" ? { left: 0, top: 0, width: 1, height: 1 } : found.box;
};

/**
 * The same Amazon main image written by hand with sharp: find the product on a preview, then
 * one pass that resizes, crops, turns upright, pads to 2000 × 2000 on white and encodes.
 */
async function handWritten(bytes: Buffer, findBox: FindBox = sharpTrim): Promise<Buffer> {
  const { autoOrient } = await sharp(bytes).metadata();
  const preview = await sharp(bytes)
    .resize(512, 512, { fit: "inside", withoutEnlargement: true })
    .autoOrient()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = preview.info;
  const found = await findBox({ data: preview.data, width, height, channels });
  const sx = autoOrient.width / width;
  const sy = autoOrient.height / height;
  const box = {
    left: Math.floor(found.left * sx),
    top: Math.floor(found.top * sy),
    width: Math.ceil(found.width * sx),
    height: Math.ceil(found.height * sy),
  };
  box.width = Math.min(box.width, autoOrient.width - box.left);
  box.height = Math.min(box.height, autoOrient.height - box.top);
  const scale = 1700 / Math.max(box.width, box.height);
  const crop = {
    left: Math.round(box.left * scale),
    top: Math.round(box.top * scale),
    width: Math.round(box.width * scale),
    height: Math.round(box.height * scale),
  };
  const left = Math.floor((2000 - crop.width) / 2);
  const top = Math.floor((2000 - crop.height) / 2);
  const white = { r: 255, g: 255, b: 255, alpha: 1 };
  return sharp(bytes)
    .resize(Math.round(autoOrient.width * scale), Math.round(autoOrient.height * scale), {
      fit: "fill",
    })
    .extract(crop)
    .autoOrient()
    .flatten({ background: white })
    .extend({
      left,
      top,
      right: 2000 - left - crop.width,
      bottom: 2000 - top - crop.height,
      background: white,
    })
    .jpeg({ quality: 90, chromaSubsampling: "4:4:4" })
    .toBuffer();
}

/** Mean absolute difference of two images seen at 200 × 200. */
async function difference(a: Buffer, b: Buffer) {
  const [one, two] = await Promise.all(
    [a, b].map((bytes) => sharp(bytes).resize(200, 200, { fit: "fill" }).raw().toBuffer()),
  );
  let total = 0;
  for (let index = 0; index < one!.length; index++) total += Math.abs(one![index]! - two![index]!);
  return total / one!.length;
}

async function throughput() {
  const inputs = await Promise.all(PHOTOS.map((name) => photoOf(name, 12)));
  const runners = {
    engine: (bytes: Buffer) => processImage(bytes, "amazon").then((result) => result.bytes),
    handWritten: (bytes: Buffer) => handWritten(bytes),
    handWrittenEngineScan: (bytes: Buffer) => handWritten(bytes, engineScan),
  };
  const names = Object.keys(runners) as (keyof typeof runners)[];
  for (const input of inputs) {
    const reference = await runners.engine(input);
    for (const name of names) {
      const gap = await difference(reference, await runners[name](input));
      if (gap > 5) throw new Error(`${name} no longer does the engine's work (difference ${gap})`);
    }
  }
  // Each photo goes through every pipeline back to back, in rotating order, so the load of the
  // machine at any moment weighs on all of them alike.
  const seconds = { engine: 0, handWritten: 0, handWrittenEngineScan: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, input] of inputs.entries()) {
      for (let turn = 0; turn < names.length; turn++) {
        const name = names[(round + index + turn) % names.length]!;
        const started = performance.now();
        await runners[name](input);
        seconds[name] += (performance.now() - started) / 1000;
      }
    }
  }
  const images = inputs.length * ROUNDS;
  report("preset_engine_images_per_s", images / seconds.engine, "images/s");
  report("preset_handwritten_images_per_s", images / seconds.handWritten, "images/s");
  report("preset_throughput_ratio", seconds.handWritten / seconds.engine, "ratio");
  // The same, against a hand-written pipeline that finds the product with the engine's own
  // detector: what the engine's checks and structure cost, detection method aside.
  report("preset_overhead_ratio", seconds.handWrittenEngineScan / seconds.engine, "ratio");
}

async function peakMemory() {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-bench-"));
  try {
    for (const [name, orientation] of [
      ["peak_rss_25mp_mb", 1],
      ["peak_rss_25mp_rotated_mb", 6],
    ] as const) {
      const file = path.join(directory, `${name}.jpg`);
      fs.writeFileSync(file, await photoOf(PHOTOS[0]!, 25, orientation));
      const output = execFileSync(process.execPath, [import.meta.filename, "--child", file], {
        encoding: "utf8",
      });
      report(name, Number(output.trim()), "MB");
    }
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

async function bombRejection() {
  const bomb = fs.readFileSync(BOMB);
  const times: number[] = [];
  for (let run = 0; run < 21; run++) {
    const started = performance.now();
    const refused = await openImage(bomb).then(
      () => false,
      () => true,
    );
    times.push(performance.now() - started);
    if (!refused) throw new Error("The decompression bomb was accepted");
  }
  report("bomb_reject_first_ms", times[0]!, "ms");
  report("bomb_reject_ms", times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!, "ms");
}

/**
 * In the child: one photo through the Amazon preset, then the peak RSS in MB. Linux keeps
 * getrusage's maxrss across exec (a child would report its parent's peak), so the peak of this
 * process's own memory map (VmHWM) is read where it exists.
 */
async function child(file: string) {
  await processImage(fs.readFileSync(file), "amazon");
  const status = fs.existsSync("/proc/self/status")
    ? fs.readFileSync("/proc/self/status", "utf8")
    : "";
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
  console.log((hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024);
}

if (process.argv[2] === "--child") {
  await child(process.argv[3]!);
} else {
  // Repeated inputs would otherwise hit libvips' operation cache, flattering whichever runs second.
  sharp.cache(false);
  await bombRejection();
  await throughput();
  await peakMemory();
}
