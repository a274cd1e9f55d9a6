/**
 * The build lock across real processes: parallel test files each ask for the app's build, and a
 * second `remix build` beside a running server empties its public/build/ (scripts/build-lock.ts).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { withBuildLock } from "../../scripts/build-lock";

const LOCK_MODULE = path.resolve("scripts/build-lock.ts");

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-build-lock-"));
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A process that holds the lock for `holdMs` and records when it entered and left. */
function contender(lockDir: string, log: string, holdMs: number): Promise<number> {
  const source = `
    import fs from "node:fs";
    import { withBuildLock } from ${JSON.stringify(LOCK_MODULE)};
    withBuildLock(${JSON.stringify(lockDir)}, () => {
      fs.appendFileSync(${JSON.stringify(log)}, "enter " + process.pid + " " + Date.now() + "\\n");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
      fs.appendFileSync(${JSON.stringify(log)}, "leave " + process.pid + " " + Date.now() + "\\n");
    });
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", source], {
    stdio: "inherit",
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
}

describe("the build lock", () => {
  it("lets one process at a time in, and every waiting process gets its turn", async () => {
    const lockDir = path.join(dir, "build.lock");
    const log = path.join(dir, "log");
    const codes = await Promise.all(Array.from({ length: 4 }, () => contender(lockDir, log, 300)));
    expect(codes).toEqual([0, 0, 0, 0]);

    const events = fs
      .readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(" "));
    expect(events).toHaveLength(8);
    // Each process leaves before the next one enters: enter/leave pairs of one pid, in turn.
    for (let index = 0; index < events.length; index += 2) {
      expect(events[index]![0]).toBe("enter");
      expect(events[index + 1]![0]).toBe("leave");
      expect(events[index + 1]![1]).toBe(events[index]![1]);
    }
    expect(new Set(events.map((event) => event[1])).size).toBe(4);
    expect(fs.existsSync(lockDir)).toBe(false);
  }, 30_000);

  it("takes over a lock left by a process that died", () => {
    const lockDir = path.join(dir, "build.lock");
    fs.mkdirSync(lockDir);
    // A pid past the kernel's limit belongs to no process.
    fs.writeFileSync(path.join(lockDir, "pid"), String(2 ** 22 + 1));
    expect(withBuildLock(lockDir, () => "built")).toBe("built");
    expect(fs.existsSync(lockDir)).toBe(false);
  });

  it("releases the lock when the build throws", () => {
    const lockDir = path.join(dir, "build.lock");
    expect(() =>
      withBuildLock(lockDir, () => {
        throw new Error("remix build failed");
      }),
    ).toThrow("remix build failed");
    expect(withBuildLock(lockDir, () => "again")).toBe("again");
  });
});
