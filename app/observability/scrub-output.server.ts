/**
 * Everything the process writes to stdout and stderr passes through the scrubber: our own log
 * lines, console.error of an unexpected error (whose message may quote a URL with a session
 * token), and what libraries print on their own, such as remix-serve's access log, which prints
 * each request's full URL.
 */
import { scrubText, secretValues } from "./scrub.ts";

type Write = typeof process.stdout.write;

function scrubbing(stream: NodeJS.WriteStream, secrets: readonly string[]): Write {
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  return function write(chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === "string") return original(scrubText(chunk, secrets), ...rest);
    if (chunk instanceof Uint8Array) {
      return original(scrubText(Buffer.from(chunk).toString("utf8"), secrets), ...rest);
    }
    return original(chunk, ...rest);
  } as Write;
}

/**
 * Scrubs stdout and stderr from now on; answers a function that restores them. The secrets are
 * read from the environment once, so call it after the configuration (and .env) is loaded.
 */
export function scrubProcessOutput(env: Record<string, string | undefined> = process.env) {
  globalThis.photoStudioOutputScrubbing?.();
  const secrets = secretValues(env);
  const writes = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = scrubbing(process.stdout, secrets);
  process.stderr.write = scrubbing(process.stderr, secrets);
  const restore = () => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    if (globalThis.photoStudioOutputScrubbing === restore) {
      globalThis.photoStudioOutputScrubbing = undefined;
    }
  };
  globalThis.photoStudioOutputScrubbing = restore;
  return restore;
}

declare global {
  // Restores the unscrubbed streams; one scrubbing per process.
  var photoStudioOutputScrubbing: (() => void) | undefined;
}
