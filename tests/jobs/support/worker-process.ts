import { spawn, type ChildProcess } from "node:child_process";

import { TEST_APP_ENV } from "../../support/test-env";

/**
 * `npm run worker` as a child process, wired to the test's dev store, fake Replicate, database,
 * queue and storage, so a test can kill it at any instant (SIGKILL: no cleanup runs) and start
 * another.
 */
export function spawnWorker(env: Record<string, string>) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "./scripts/runtime/register.ts",
      "--import",
      "./emulators/shopify/preload.ts",
      "app/jobs/worker.ts",
    ],
    {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...TEST_APP_ENV, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A deterministic random sequence, so a failing run can be replayed with the same kill times. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
