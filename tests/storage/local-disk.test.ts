/**
 * What only the local-disk backend does: atomic replacement by rename, file modes, its trash, its
 * readiness check, and being the default. What every backend does is in storage-contract.test.ts.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { jobPrefix, originalKey, shopPrefix } from "~/storage/keys";
import { createLocalDiskStorage } from "~/storage/local-disk.server";
import { storageFor, storageReady, type ObjectStorage } from "~/storage/object-storage.server";

import { tree } from "./backends";

const SHOP = "hats-and-more.myshopify.com";

let parent: string;
let root: string;
let storage: ObjectStorage;

beforeEach(() => {
  parent = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-storage-"));
  root = path.join(parent, "storage");
  storage = createLocalDiskStorage(root);
});

afterEach(() => {
  fs.rmSync(parent, { recursive: true, force: true });
});

const original = (item = "item1", job = "job1", shop = SHOP) => originalKey(shop, job, item, "jpg");

describe("local disk storage", () => {
  it("never shows a partly written object to a reader while it is being replaced", async () => {
    const key = original();
    const first = Buffer.alloc(4_000_000, 1);
    const second = Buffer.alloc(6_000_000, 2);
    await storage.put(key, first, { contentType: "image/jpeg" });

    let writing = true;
    const writer = (async () => {
      for (let round = 0; round < 12; round += 1) {
        await storage.put(key, round % 2 ? first : second, { contentType: "image/jpeg" });
      }
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const seen = await storage.get(key);
      expect(seen.equals(first) || seen.equals(second)).toBe(true);
      reads += 1;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
  });

  it("keeps the old object whole when the writing process dies mid-write", async () => {
    const key = original();
    const old = Buffer.alloc(1_000, 7);
    await storage.put(key, old, { contentType: "image/jpeg" });

    // A separate Node process (type stripping, as the worker runs) writes 300 MB and is killed.
    const module = path.resolve("app/storage/local-disk.server.ts");
    const script = `
      const { createLocalDiskStorage } = await import(${JSON.stringify(module)});
      const storage = createLocalDiskStorage(${JSON.stringify(root)});
      await storage.put(${JSON.stringify(key)}, Buffer.alloc(300_000_000, 9), { contentType: "image/jpeg" });
      process.stdout.write("done\\n");
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    // Killed the moment the new bytes start reaching the disk, wherever they are being written.
    const folder = path.dirname(path.join(root, ...key.split("/")));
    const growing = () =>
      fs
        .readdirSync(folder)
        .some(
          (name) =>
            (fs.statSync(path.join(folder, name), { throwIfNoEntry: false })?.size ?? 0) > 1_000,
        );
    let killedMidWrite = false;
    while (child.exitCode === null) {
      if (growing()) {
        killedMidWrite = child.kill("SIGKILL");
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await exited;

    expect(killedMidWrite).toBe(true);
    expect(output).not.toContain("done");
    expect((await storage.get(key)).equals(old)).toBe(true);
    // Whatever the temporary file left is not an object.
    expect((await storage.list(jobPrefix(SHOP, "job1"))).map((entry) => entry.key)).toEqual([key]);
  });

  it("empties a prefix through its trash, and leaves nothing in the trash", async () => {
    await storage.put(original("item1"), Buffer.from("x"), { contentType: "image/jpeg" });
    await storage.put(original("item2"), Buffer.from("y"), { contentType: "image/jpeg" });
    expect(await storage.deletePrefix(shopPrefix(SHOP))).toBe(2);
    expect(tree(path.join(root, ".trash"))).toEqual([]);
    expect(fs.existsSync(path.join(root, "shops", SHOP))).toBe(false);
  });

  it.skipIf(process.platform === "win32")(
    "creates folders 0700 and files 0600, whatever the umask",
    async () => {
      const previous = process.umask(0o000);
      try {
        await storage.put(original(), Buffer.from("secret"), { contentType: "image/jpeg" });
      } finally {
        process.umask(previous);
      }
      const modes = tree(root).map((entry) => {
        const stats = fs.statSync(path.join(root, entry));
        return [entry, stats.isDirectory() ? "dir" : "file", stats.mode & 0o777] as const;
      });
      expect(modes.length).toBeGreaterThan(5);
      for (const [entry, kind, mode] of modes) {
        expect({ entry, mode }).toEqual({ entry, mode: kind === "dir" ? 0o700 : 0o600 });
      }
      expect(fs.statSync(root).mode & 0o777).toBe(0o700);
    },
  );

  it("is ready once its folder exists and is writable, and says which folder when not", async () => {
    await storageReady(storage);
    expect(fs.statSync(root).isDirectory()).toBe(true);

    // A file where the folder should be: refused whoever the app runs as (root included).
    fs.writeFileSync(path.join(parent, "a-file"), "");
    const blocked = path.join(parent, "a-file", "storage");
    await expect(storageReady(createLocalDiskStorage(blocked))).rejects.toMatchObject({
      name: "StorageError",
      code: "unavailable",
      message: `The storage folder ${blocked} is not writable by the app (ENOTDIR).`,
    });
  });

  it("is what storageFor picks from the configured STORAGE_DIR", async () => {
    const configured = storageFor({ storageDir: root });
    await configured.put(original(), Buffer.from("configured"), { contentType: "image/jpeg" });
    const file = path.join(root, ...original().split("/"));
    expect(fs.readFileSync(file, "utf8")).toBe("configured");
    expect((await storage.get(original())).toString()).toBe("configured");
  });
});
