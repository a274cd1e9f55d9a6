/**
 * Module resolution for running the app's server code outside Remix's compiler (the job worker,
 * scripts): `~/x` means app/x, as in tsconfig and remix.config.js, and extensionless relative
 * imports find their `.ts` file, as the bundler would. Node's type stripping does the rest.
 */
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../app");

interface ResolveContext {
  parentURL?: string;
  conditions: string[];
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<{ url: string }>;

const NOT_FOUND = new Set(["ERR_MODULE_NOT_FOUND", "ERR_UNSUPPORTED_DIR_IMPORT"]);

export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: NextResolve,
): Promise<{ url: string }> {
  const target = specifier.startsWith("~/")
    ? pathToFileURL(path.join(appDir, specifier.slice(2))).href
    : specifier;
  try {
    return await nextResolve(target, context);
  } catch (error) {
    const local = target.startsWith(".") || target.startsWith("file:");
    if (!local || !NOT_FOUND.has((error as { code?: string }).code ?? "")) throw error;
    for (const suffix of [".ts", "/index.ts"]) {
      try {
        return await nextResolve(target + suffix, context);
      } catch {
        // try the next candidate
      }
    }
    throw error;
  }
}
