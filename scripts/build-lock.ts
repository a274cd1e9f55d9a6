/**
 * One build at a time across processes. `remix build` empties public/build/ before it writes it,
 * so a second build started while an app server runs takes that server's route chunks away: the
 * browser's next lazy import fails and Remix reloads the page, which lands on /auth/login. Parallel
 * test files (and a benchmark beside them) each ask for a build; the lock makes the first one
 * build and the others wait, then find the build fresh.
 */
import fs from "node:fs";
import path from "node:path";

const POLL_MS = 200;
/** Longer than any build here takes; past it the holder is taken to be stuck, not slow. */
const GIVE_UP_MS = 10 * 60_000;

function sleep(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The holder's pid, or null while it is still writing it (or the lock is gone). */
function holder(lockDir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(lockDir, "pid"), "utf8"));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function tryAcquire(lockDir: string): boolean {
  try {
    // mkdir is atomic: exactly one process creates the folder.
    fs.mkdirSync(lockDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  fs.writeFileSync(path.join(lockDir, "pid"), String(process.pid));
  return true;
}

/**
 * Runs `work` while holding the lock folder `lockDir`, waiting for another process that holds
 * it. A lock left by a process that died (kill -9, a crashed build) is taken over.
 */
export function withBuildLock<T>(lockDir: string, work: () => T): T {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const started = Date.now();
  let ownerless = 0;
  while (!tryAcquire(lockDir)) {
    const pid = holder(lockDir);
    // A folder without a pid for a few polls is a holder that died between mkdir and writing it.
    ownerless = pid === null ? ownerless + 1 : 0;
    if ((pid !== null && !alive(pid)) || ownerless > 5) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() - started > GIVE_UP_MS) {
      throw new Error(
        `Waited ${GIVE_UP_MS / 60_000} minutes for the build lock ${lockDir}, held by process ${pid}. ` +
          "Remove the folder if no build is running.",
      );
    }
    sleep(POLL_MS);
  }
  try {
    return work();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}
