/**
 * Benchmarks of the AI providers on this machine: `npm run bench:ai`.
 *
 * Local background removal (real ISNet) on five catalog photos, after a warm-up, as the median of
 * three runs each; then the cost of its stages, the classical operations, and the Replicate
 * provider's own overhead against the emulator (whose models take 50 ms), so regressions in the
 * code around the models show up. Lines starting with BENCH are the figures.
 */
import fs from "node:fs";
import path from "node:path";

import sharp from "sharp";

import { createAiProvider } from "../app/ai/index.ts";
import { IsnetMatting } from "../app/ai/local/matting.server.ts";
import { cutoutFromMatte } from "../app/ai/matte.ts";
import { decodePhoto, encodePng } from "../app/ai/raster.server.ts";
import { EMULATOR_TOKEN, startReplicateEmulator } from "../emulators/replicate/src/server.ts";

const CATALOG = path.resolve(import.meta.dirname, "../emulators/shopify/catalog");
const PHOTOS = [
  "pierre-chatel-innocenti-483198-unsplash.jpg", // pendant lamp, thin cord
  "charles-deluvio-695736-unsplash.jpg", // spiny cactus
  "ben-hershey-574483-unsplash.jpg", // tennis ball, hard shadow
  "oscar-ivan-esquivel-arteaga-687447-unsplash.jpg", // mouse, glossy
  "imani-clovis-234736-unsplash.jpg", // running shoe, laces
];
const RUNS = 3;

const read = (file: string) => fs.readFileSync(path.join(CATALOG, file));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
async function time<T>(task: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await task();
  return [performance.now() - started, result];
}
function bench(name: string, value: number, unit: string, details = "") {
  console.log(`BENCH ${name} ${Math.round(value)} ${unit}${details ? `  ${details}` : ""}`);
}

const local = createAiProvider("local");
const image = (file: string) => ({ bytes: read(file), mimeType: "image/jpeg" });

console.log(
  `# AI benchmarks (Node ${process.version}, ${(await import("node:os")).cpus().length} CPUs)`,
);
const [loadMs] = await time(() => local.warmUp());
const [firstMs] = await time(() => local.removeBackground(image(PHOTOS[0]!)));
bench("local_model_warm_up_ms", loadMs, "ms", "(load + first inference on a blank image)");
bench("local_bg_removal_first_run_ms", firstMs, "ms", "(warm-up, not counted)");

const medians: number[] = [];
for (const file of PHOTOS) {
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    runs.push((await time(() => local.removeBackground(image(file))))[0]);
  }
  const { width, height } = await sharp(read(file)).metadata();
  medians.push(median(runs));
  bench("local_bg_removal_ms", median(runs), "ms", `photo=${file} size=${width}x${height}`);
}
bench("local_bg_removal_ms_overall_median", median(medians), "ms");

// Where the time goes, on each photo once: ISNet, refinement + decontamination, PNG encoding.
const matting = new IsnetMatting();
const stages = {
  decode: [] as number[],
  segment: [] as number[],
  refine: [] as number[],
  encode: [] as number[],
};
for (const file of PHOTOS) {
  const [decodeMs, photo] = await time(() => decodePhoto(read(file)));
  const [segmentMs, coarse] = await time(() => matting.segment(photo));
  const [refineMs, rgba] = await time(async () =>
    cutoutFromMatte(photo.data, coarse, photo.width, photo.height, { refine: true }),
  );
  const [encodeMs] = await time(() =>
    encodePng({ data: rgba, width: photo.width, height: photo.height, channels: 4 }),
  );
  stages.decode.push(decodeMs);
  stages.segment.push(segmentMs);
  stages.refine.push(refineMs);
  stages.encode.push(encodeMs);
}
for (const [stage, values] of Object.entries(stages)) {
  bench(
    `local_bg_removal_stage_${stage}_ms`,
    median(values),
    "ms",
    "(median over the five photos)",
  );
}

const lamp = image(PHOTOS[0]!);
for (const factor of [2, 4] as const) {
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run++)
    runs.push((await time(() => local.upscale(lamp, factor)))[0]);
  bench(`local_upscale_${factor}x_ms`, median(runs), "ms", "photo=1600x1067 classical");
}

const { cutout } = await local.removeBackground(lamp);
for (const templateId of ["white-sweep", "soft-grey", "warm-wood", "marble"]) {
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    runs.push(
      (await time(() => local.scene({ cutout, templateId, width: 2048, height: 2048 })))[0],
    );
  }
  bench(`local_scene_ms`, median(runs), "ms", `template=${templateId} size=2048x2048`);
}

const mask = await sharp(
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1067"><rect width="100%" height="100%"/><circle cx="1100" cy="500" r="75" fill="#fff"/></svg>`,
  ),
)
  .png()
  .toBuffer();
const eraseRuns: number[] = [];
for (let run = 0; run < RUNS; run++)
  eraseRuns.push((await time(() => local.erase({ image: lamp, mask })))[0]);
bench("local_erase_ms", median(eraseRuns), "ms", "photo=1600x1067 blob=150px");

const altRuns: number[] = [];
for (let run = 0; run < RUNS; run++) {
  altRuns.push(
    (await time(() => local.altText({ image: lamp, product: { title: "Light Shade" } })))[0],
  );
}
bench("local_alt_text_ms", median(altRuns), "ms");

// The Replicate provider's own cost around a 50 ms model: transport, polling, copying outputs,
// the cut-out's decontamination. Ten background removals, one at a time, then ten at once.
const emulator = await startReplicateEmulator({ processingMs: 50 });
try {
  const replicate = createAiProvider("replicate", {
    token: EMULATOR_TOKEN,
    baseUrl: emulator.baseUrl,
    syncWaitSeconds: 5,
    maxConcurrentPredictions: 4,
  });
  const small = {
    bytes: await sharp(read(PHOTOS[2]!)).resize(800).jpeg().toBuffer(),
    mimeType: "image/jpeg",
  };
  await replicate.removeBackground(small);
  const sequential: number[] = [];
  for (let run = 0; run < 10; run++)
    sequential.push((await time(() => replicate.removeBackground(small)))[0]);
  bench(
    "replicate_emulator_bg_removal_ms",
    median(sequential),
    "ms",
    "photo=800px model=50ms sync wait",
  );
  const [batchMs] = await time(() =>
    Promise.all(Array.from({ length: 10 }, () => replicate.removeBackground(small))),
  );
  bench(
    "replicate_emulator_10_concurrent_ms",
    batchMs,
    "ms",
    `max in flight=${emulator.stats.maxInFlight}`,
  );
} finally {
  await emulator.close();
}
