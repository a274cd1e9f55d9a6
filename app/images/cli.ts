/**
 * `photo-studio`: the image engine from a terminal, for merchants' scripts and for checking a
 * photo before it is uploaded. Every answer is JSON on stdout. Exit codes: 0 success, 2 the photo
 * was refused (`{"error":{"code","message"}}`), 1 anything else (usage, missing file, provider).
 */
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

import type { AiProvider } from "../ai/provider.ts";
import { type OutputFormat } from "./encode.ts";
import { isImageError, refuse } from "./errors.ts";
import { inspectImage } from "./intake.ts";
import { DEFAULT_LIMITS } from "./limits.ts";
import { processImage } from "./pipeline.ts";
import { isPresetId, listPresets, PRESET_IDS, PRESETS } from "./presets.ts";

const USAGE = `Usage:
  photo-studio inspect FILE
  photo-studio process IN OUT --preset NAME [--bg none|local|replicate] [--preview]
  photo-studio presets

--bg chooses how the background is removed: none (default) finds the product classically,
local and replicate use Photo Studio's AI providers.`;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const PROCESS_IO: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** A failure that is not about the photo: usage, files, providers. */
class CliError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const EXTENSIONS: Record<string, OutputFormat> = {
  ".jpg": "jpeg",
  ".jpeg": "jpeg",
  ".png": "png",
  ".webp": "webp",
  ".avif": "avif",
};

type ProviderName = "local" | "replicate";
type ProviderFactory = (name: ProviderName) => AiProvider | Promise<AiProvider>;

/**
 * The AI providers come from app/ai/index.ts, loaded only when asked for: the CLI works without
 * them (and without their optional model packages) for everything else.
 */
async function loadProvider(name: ProviderName): Promise<AiProvider> {
  const entry = new URL("../ai/index.ts", import.meta.url);
  let module: { createAiProvider?: ProviderFactory };
  try {
    module = (await import(entry.href)) as { createAiProvider?: ProviderFactory };
  } catch (error) {
    const missing =
      (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND" &&
      // Node quotes the module it could not find; a file missing deeper down is another failure.
      String((error as Error).message).includes(`'${entry.pathname}'`);
    throw new CliError(
      "provider_unavailable",
      missing
        ? `The AI providers are not part of this build yet (${path.relative(process.cwd(), entry.pathname)} is missing). Use --bg none.`
        : `The AI providers could not be loaded: ${(error as Error).message}`,
    );
  }
  if (typeof module.createAiProvider !== "function") {
    throw new CliError(
      "provider_unavailable",
      "app/ai/index.ts does not export createAiProvider(name). Use --bg none.",
    );
  }
  try {
    return await module.createAiProvider(name);
  } catch (error) {
    throw new CliError("provider_unavailable", (error as Error).message);
  }
}

/** Reads a file, refusing it by its size before loading it into memory. */
async function readInput(file: string) {
  const info = await stat(file).catch(() => {
    throw new CliError("file_not_found", `There is no file at ${file}.`);
  });
  if (!info.isFile()) throw new CliError("file_not_found", `${file} is not a file.`);
  if (info.size > DEFAULT_LIMITS.maxBytes) {
    throw refuse.fileTooLarge(info.size, DEFAULT_LIMITS.maxBytes);
  }
  return readFile(file);
}

async function inspect(args: string[], io: Io) {
  const [file, ...rest] = args;
  if (!file || rest.length > 0) throw new CliError("usage", USAGE);
  const facts = await inspectImage(await readInput(file));
  io.stdout(`${JSON.stringify(facts, null, 2)}\n`);
}

async function processCommand(args: string[], io: Io) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        preset: { type: "string" },
        bg: { type: "string", default: "none" },
        preview: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    throw new CliError("usage", `${(error as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const [input, output, ...rest] = positionals;
  if (!input || !output || rest.length > 0 || !values.preset) throw new CliError("usage", USAGE);
  // A misspelt preset is a usage mistake, not a refusal of the photo.
  if (!isPresetId(values.preset)) {
    throw new CliError("unknown_preset", refuse.unknownPreset(values.preset, PRESET_IDS).message);
  }
  const preset = PRESETS[values.preset];
  if (!["none", "local", "replicate"].includes(values.bg)) {
    throw new CliError("usage", `--bg is none, local or replicate, not "${values.bg}".`);
  }
  const format = EXTENSIONS[path.extname(output).toLowerCase()];
  if (format !== preset.output.format) {
    throw new CliError(
      "output_extension",
      `The ${preset.id} preset writes ${preset.output.format.toUpperCase()}: name the output file ` +
        `.${preset.output.format === "jpeg" ? "jpg" : preset.output.format}.`,
    );
  }
  const bytes = await readInput(input);
  const provider = values.bg === "none" ? null : await loadProvider(values.bg as ProviderName);
  const result = await processImage(bytes, preset, { provider, preview: values.preview });
  await writeFile(output, result.bytes);
  io.stdout(
    `${JSON.stringify(
      {
        output,
        preset: result.preset,
        format: result.format,
        width: result.width,
        height: result.height,
        bytes: result.bytes.length,
        quality: result.quality,
        product: result.product,
        enlargement: result.enlargement,
        notes: result.notes,
      },
      null,
      2,
    )}\n`,
  );
}

function presets(io: Io) {
  const list = listPresets().map((preset) => ({
    id: preset.id,
    name: preset.name,
    summary: preset.summary,
    format: preset.output.format,
    frame: preset.frame,
    accepts: preset.accepts,
  }));
  io.stdout(`${JSON.stringify(list, null, 2)}\n`);
}

/** Runs one command; returns the exit code. */
export async function main(argv: string[], io: Io = PROCESS_IO): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === "inspect") await inspect(args, io);
    else if (command === "process") await processCommand(args, io);
    else if (command === "presets" && args.length === 0) presets(io);
    else throw new CliError("usage", USAGE);
    return 0;
  } catch (error) {
    if (error instanceof CliError && error.code === "usage") {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    const code =
      isImageError(error) || error instanceof CliError
        ? error.code
        : ((error as { code?: unknown }).code ?? "failed");
    const message = error instanceof Error ? error.message : String(error);
    io.stdout(`${JSON.stringify({ error: { code, message } })}\n`);
    return isImageError(error) ? 2 : 1;
  }
}
