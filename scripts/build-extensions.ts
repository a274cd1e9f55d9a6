/**
 * `npm run build:extensions`: bundles every admin UI extension under extensions/ the way the
 * Shopify CLI does for API versions from 2025-10 on (`shopify app build`): one ES module per
 * extension, `dist/<handle>.js`, whose entry imports each target's module and registers it with
 * `shopify.extend`. esbuild with the CLI's settings (bundle, ESM, ES2020, minified, automatic JSX
 * from Preact), so a broken extension fails CI here instead of at `shopify app deploy`.
 *
 * Usage: node scripts/build-extensions.ts [--dev] [extension-folder…]
 *   --dev  unminified with inline source maps, for the dev store's extension host.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { build, type BuildOptions } from "esbuild";
import { parse } from "smol-toml";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const EXTENSIONS_DIR = path.join(ROOT, "extensions");

export interface ExtensionTarget {
  target: string;
  module: string;
}

export interface ExtensionConfig {
  directory: string;
  handle: string;
  apiVersion: string;
  targets: ExtensionTarget[];
}

interface TomlShape {
  api_version?: unknown;
  extensions?: Array<{
    handle?: unknown;
    type?: unknown;
    targeting?: Array<{ target?: unknown; module?: unknown }>;
  }>;
}

/** The UI extensions under extensions/ (folders with a shopify.extension.toml). */
export function findExtensions(dir = EXTENSIONS_DIR): ExtensionConfig[] {
  return readdirSync(dir)
    .map((name) => path.join(dir, name))
    .filter((folder) => statSync(folder).isDirectory())
    .filter((folder) => existsSync(path.join(folder, "shopify.extension.toml")))
    .flatMap((folder) => readExtension(folder));
}

export function readExtension(directory: string): ExtensionConfig[] {
  const file = path.join(directory, "shopify.extension.toml");
  const toml = parse(readFileSync(file, "utf8")) as TomlShape;
  const problems: string[] = [];
  if (typeof toml.api_version !== "string") problems.push("api_version is missing");
  const configs = (toml.extensions ?? [])
    .filter((extension) => extension.type === "ui_extension")
    .map((extension) => {
      if (typeof extension.handle !== "string") problems.push("an extension has no handle");
      const targets = (extension.targeting ?? []).map((entry) => {
        if (typeof entry.target !== "string" || typeof entry.module !== "string") {
          problems.push("every [[extensions.targeting]] needs target and module");
        } else if (!existsSync(path.join(directory, entry.module))) {
          problems.push(`module ${entry.module} (target ${entry.target}) does not exist`);
        }
        return { target: String(entry.target), module: String(entry.module) };
      });
      if (targets.length === 0) problems.push(`${String(extension.handle)} targets nothing`);
      return {
        directory,
        handle: String(extension.handle),
        apiVersion: String(toml.api_version),
        targets,
      };
    });
  if (problems.length > 0) {
    throw new Error(`${path.relative(ROOT, file)}: ${problems.join("; ")}`);
  }
  return configs;
}

/** The entry the CLI generates: each target's default export registered for its target. */
export function entrySource(targets: ExtensionTarget[]) {
  return targets
    .map(
      ({ target, module }, index) =>
        `import Target_${index} from ${JSON.stringify(module)};` +
        `shopify.extend(${JSON.stringify(target)}, (...args) => Target_${index}(...args));`,
    )
    .join("\n");
}

export interface BuildSettings {
  dev?: boolean;
  /** Where the bundle goes; the extension's dist/ (as the CLI) unless a caller says otherwise. */
  outdir?: string;
}

export function buildOptions(
  extension: ExtensionConfig,
  { dev = false, outdir = path.join(extension.directory, "dist") }: BuildSettings = {},
): BuildOptions {
  return {
    stdin: {
      contents: entrySource(extension.targets),
      resolveDir: extension.directory,
      sourcefile: "extension-entry.js",
      loader: "js",
    },
    outfile: path.join(outdir, `${extension.handle}.js`),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: !dev,
    sourcemap: dev ? "inline" : false,
    legalComments: "none",
    define: { "process.env.NODE_ENV": JSON.stringify(dev ? "development" : "production") },
    logLevel: "silent",
  };
}

export async function buildExtension(extension: ExtensionConfig, options: BuildSettings = {}) {
  const result = await build({ ...buildOptions(extension, options), metafile: true });
  const output = Object.entries(result.metafile.outputs)[0];
  return { outfile: output?.[0] ?? "", bytes: output?.[1].bytes ?? 0, warnings: result.warnings };
}

async function main(argv: string[]) {
  const dev = argv.includes("--dev");
  const only = argv.filter((arg) => !arg.startsWith("--"));
  const extensions = findExtensions().filter(
    (extension) => only.length === 0 || only.includes(path.basename(extension.directory)),
  );
  if (extensions.length === 0) throw new Error("No extensions to build under extensions/.");
  let failed = 0;
  for (const extension of extensions) {
    try {
      const built = await buildExtension(extension, { dev });
      console.info(
        `built ${extension.handle} → ${path.relative(ROOT, built.outfile)} (${Math.round(built.bytes / 1024)} KB)`,
      );
    } catch (error) {
      failed++;
      const errors = (
        error as {
          errors?: Array<{ text: string; location?: { file: string; line: number } | null }>;
        }
      ).errors;
      console.error(`failed ${extension.handle}:`);
      for (const problem of errors ?? [{ text: String(error), location: null }]) {
        const where = problem.location ? `${problem.location.file}:${problem.location.line}: ` : "";
        console.error(`  ${where}${problem.text}`);
      }
    }
  }
  if (failed > 0) process.exit(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
