/**
 * CPU per image of a bulk job's generation step, "remove background (Replicate) + Amazon preset",
 * and where it goes:
 *
 *   node --import ./scripts/runtime/register.ts scripts/profile-generation.ts [options]
 *
 *   --images N       photos to process (default 20; the catalog has 55)
 *   --side PX        longest side the catalog photos are resized to first (default 2000)
 *   --save DIR       write each result to DIR (to compare two versions of the engine)
 *   --compare DIR    compare each result with the one saved in DIR (mean and max difference)
 *   --repeat N       process the photos N times; each photo's figures are its median run
 *   --in-process     run the fake Replicate in this process (its CPU is then counted too)
 *
 * The fake Replicate runs in a child process by default, so this process's CPU
 * (process.cpuUsage, user + system, sharp's threads included) is the worker's alone; the
 * emulator's is reported on its own line. Images are processed one at a time, after one warm-up
 * run that is not counted, so the per-stage figures (app/images/stages.ts) add up. For hot
 * spots inside a stage, add --cpu-prof (node's option) before the script name.
 */
import { fork, type ChildProcess } from "node:child_process";
import { subscribe } from "node:diagnostics_channel";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import sharp from "sharp";

import { createAiProvider } from "../app/ai/index.ts";
import { processImage } from "../app/images/pipeline.ts";
import { STAGE_CHANNEL, type StageTiming } from "../app/images/stages.ts";
import { EMULATOR_TOKEN, startReplicateEmulator } from "../emulators/replicate/src/server.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const CATALOG = path.join(ROOT, "emulators/shopify/catalog");

type EmulatorMessage = { baseUrl: string } | { cpuMs: number };

function cpuMsSince(start?: NodeJS.CpuUsage) {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

// The emulator's own process: started by the profiler, answers its CPU when asked.
if (process.argv.includes("--emulator-child")) {
  const emulator = await startReplicateEmulator({ startingMs: 0, processingMs: 0 });
  const send = (message: EmulatorMessage) => process.send!(message);
  process.on("message", (message: string) => {
    if (message === "cpu") send({ cpuMs: cpuMsSince() });
    if (message === "close") void emulator.close().then(() => process.exit(0));
  });
  send({ baseUrl: emulator.baseUrl });
} else {
  await profile();
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The emulator in a child process, or in this one; `cpuMs` reads its process's CPU so far. */
async function startEmulator(inProcess: boolean) {
  if (inProcess) {
    const emulator = await startReplicateEmulator({ startingMs: 0, processingMs: 0 });
    return { baseUrl: emulator.baseUrl, cpuMs: async () => 0, close: () => emulator.close() };
  }
  // Only the loader hooks are passed on: a --cpu-prof meant for this process stays here.
  const execArgv: string[] = [];
  process.execArgv.forEach((arg, i, all) => {
    if (arg === "--import") execArgv.push(arg, all[i + 1]!);
    else if (arg.startsWith("--import=")) execArgv.push(arg);
  });
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ["--emulator-child"], {
    execArgv,
  });
  const next = () =>
    new Promise<EmulatorMessage>((resolve, reject) => {
      child.once("message", (message) => resolve(message as EmulatorMessage));
      child.once("exit", (code) => reject(new Error(`emulator exited (${code})`)));
    });
  const started = (await next()) as { baseUrl: string };
  return {
    baseUrl: started.baseUrl,
    cpuMs: async () => {
      const answer = next();
      child.send("cpu");
      return ((await answer) as { cpuMs: number }).cpuMs;
    },
    close: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send("close");
      await exited;
    },
  };
}

async function comparison(result: Buffer, savedPath: string) {
  const decode = (bytes: Buffer | string) =>
    sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [a, b] = await Promise.all([decode(result), decode(savedPath)]);
  if (a.info.width !== b.info.width || a.info.height !== b.info.height) return "different size";
  let total = 0;
  let max = 0;
  let over8 = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    total += d;
    if (d > max) max = d;
    if (d > 8) over8++;
  }
  const share = (100 * over8) / a.data.length;
  return `mean|Δ| ${(total / a.data.length).toFixed(3)}  max ${max}  >8: ${share.toFixed(3)}%`;
}

async function profile() {
  const count = Number(option("--images") ?? 20);
  const repeat = Math.max(1, Number(option("--repeat") ?? 1));
  const side = Number(option("--side") ?? 2000);
  const saveDir = option("--save");
  const compareDir = option("--compare");
  if (saveDir) fs.mkdirSync(saveDir, { recursive: true });

  // The bench's photos (emulators/shopify/src/seed-scaled.ts): resized to `side`, JPEG 85.
  const catalog = JSON.parse(fs.readFileSync(path.join(CATALOG, "catalog.json"), "utf8")) as {
    image: string;
  }[];
  const files = [...new Set(catalog.map((entry) => entry.image))].slice(0, count);
  const photos = await Promise.all(
    files.map(async (file) => ({
      file,
      bytes: await sharp(fs.readFileSync(path.join(CATALOG, file)))
        .resize(side, side, { fit: "inside" })
        .jpeg({ quality: 85 })
        .toBuffer(),
    })),
  );

  const emulator = await startEmulator(process.argv.includes("--in-process"));
  const provider = createAiProvider("replicate", {
    token: EMULATOR_TOKEN,
    baseUrl: emulator.baseUrl,
    syncWaitSeconds: 0,
    pollIntervalMs: 10,
  });

  let current: StageTiming[] = [];
  subscribe(STAGE_CHANNEL, (message) => current.push(message as StageTiming));

  console.log(
    `# profile-generation: ${photos.length} photos, ${side} px, remove background (Replicate ` +
      `emulator) + amazon; Node ${process.version}, ${os.cpus().length} CPUs, load ` +
      os
        .loadavg()
        .map((value) => value.toFixed(1))
        .join(" "),
  );
  const warmCpu = process.cpuUsage();
  await processImage(photos[0]!.bytes, "amazon", { provider });
  console.log(`warm-up (not counted): ${cpuMsSince(warmCpu).toFixed(0)} ms CPU`);

  // Each photo's figures are the median of its runs (--repeat): this machine is shared, and a
  // single run can catch someone else's burst.
  type Run = { cpuMs: number; wallMs: number; stages: StageTiming[] };
  const rows = photos.map((photo) => ({ file: photo.file, runs: [] as Run[] }));
  const emulatorCpuBefore = await emulator.cpuMs();
  for (let round = 0; round < repeat; round++) {
    for (const [n, photo] of photos.entries()) {
      current = [];
      const cpu = process.cpuUsage();
      const started = performance.now();
      const result = await processImage(photo.bytes, "amazon", { provider });
      const cpuMs = cpuMsSince(cpu);
      const wallMs = performance.now() - started;
      rows[n]!.runs.push({ cpuMs, wallMs, stages: current });
      if (round > 0) continue;
      const name = `${path.basename(photo.file, ".jpg")}.jpg`;
      const { factor, method } = result.enlargement;
      let extra =
        `${result.width}×${result.height} q${result.quality} ${result.bytes.length} B, ` +
        `product ×${factor.toFixed(2)}${method === "none" ? "" : ` (${method})`}`;
      if (saveDir) fs.writeFileSync(path.join(saveDir, name), result.bytes);
      if (compareDir && fs.existsSync(path.join(compareDir, name))) {
        extra += `  vs saved: ${await comparison(result.bytes, path.join(compareDir, name))}`;
      }
      console.log(
        `${photo.file.padEnd(52)} cpu ${cpuMs.toFixed(0).padStart(5)} ms  ` +
          `wall ${wallMs.toFixed(0).padStart(5)} ms  ${extra}`,
      );
    }
  }
  const emulatorCpu = (await emulator.cpuMs()) - emulatorCpuBefore;
  await emulator.close();

  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const perPhoto = (value: (run: Run) => number) => rows.map((row) => median(row.runs.map(value)));
  const cpu = perPhoto((run) => run.cpuMs);
  const wall = perPhoto((run) => run.wallMs);
  console.log("");
  if (repeat > 1) console.log(`(each photo's figures: the median of its ${repeat} runs)`);
  console.log(
    `CPU per image: median ${median(cpu).toFixed(0)} ms, total ${sum(cpu).toFixed(0)} ms ` +
      `over ${rows.length} (min ${Math.min(...cpu).toFixed(0)}, max ${Math.max(...cpu).toFixed(0)})`,
  );
  console.log(
    `wall per image: median ${median(wall).toFixed(0)} ms, total ${sum(wall).toFixed(0)} ms`,
  );
  if (!process.argv.includes("--in-process")) {
    const perImage = emulatorCpu / (rows.length * repeat);
    console.log(
      `fake Replicate (its own process, not counted above): ${perImage.toFixed(0)} ms CPU per image`,
    );
  }

  // Stages in the order they first ran; "bg.*" run inside remove-background, "upscale.*" inside
  // upscale.
  const stagesOf = (run: Run, name: string) => run.stages.filter((s) => s.name === name);
  const names = [
    ...new Set(rows.flatMap((row) => row.runs.flatMap((run) => run.stages.map((s) => s.name)))),
  ];
  console.log("");
  console.log("stage                 CPU median  CPU total  wall median   runs");
  for (const name of names) {
    const stageCpu = perPhoto((run) => sum(stagesOf(run, name).map((s) => s.cpuMs)));
    const stageWall = perPhoto((run) => sum(stagesOf(run, name).map((s) => s.wallMs)));
    const count = sum(rows.map((row) => stagesOf(row.runs[0]!, name).length));
    const indent = name.includes(".") ? "  " : "";
    console.log(
      `${(indent + name).padEnd(22)}${median(stageCpu).toFixed(1).padStart(10)}` +
        `${sum(stageCpu).toFixed(0).padStart(11)}${median(stageWall).toFixed(1).padStart(13)}` +
        `${String(count).padStart(7)}`,
    );
  }
  const outside = perPhoto(
    (run) => run.cpuMs - sum(run.stages.filter((s) => !s.name.includes(".")).map((s) => s.cpuMs)),
  );
  console.log(
    `${"(outside stages)".padEnd(22)}${median(outside).toFixed(1).padStart(10)}` +
      `${sum(outside).toFixed(0).padStart(11)}`,
  );
}
