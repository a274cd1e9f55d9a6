import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { jobPrefix, originalKey, shopPrefix, variantKey, assertValidKey } from "~/storage/keys";
import { createLocalDiskStorage } from "~/storage/local-disk.server";
import {
  StorageError,
  StorageNotFoundError,
  storageFor,
  type ObjectStorage,
} from "~/storage/object-storage.server";

const SHOP = "hats-and-more.myshopify.com";
const OTHER_SHOP = "hats-and-more-2.myshopify.com";

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

/** Every file and folder under `dir`, relative, dot-files included. */
function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

const original = (item = "item1", job = "job1", shop = SHOP) => originalKey(shop, job, item, "jpg");

describe("keys", () => {
  it("put everything of a shop under one prefix, and of a job under the shop's", () => {
    expect(shopPrefix(SHOP)).toBe("shops/hats-and-more.myshopify.com/");
    expect(jobPrefix(SHOP, "cjob1")).toBe("shops/hats-and-more.myshopify.com/jobs/cjob1/");
    expect(originalKey(SHOP, "cjob1", "citem1", ".JPG")).toBe(
      "shops/hats-and-more.myshopify.com/jobs/cjob1/items/citem1/original.jpg",
    );
    expect(variantKey(SHOP, "cjob1", "citem1", "cvar1", "png")).toBe(
      "shops/hats-and-more.myshopify.com/jobs/cjob1/items/citem1/variants/cvar1.png",
    );
    for (const key of [originalKey(SHOP, "a", "b", "webp"), variantKey(SHOP, "a", "b", "c", "png")])
      expect(key.startsWith(jobPrefix(SHOP, "a"))).toBe(true);
    // The same shop in another case is the same shop: erasure must find all of it.
    expect(shopPrefix("Hats-And-More.myshopify.com")).toBe(shopPrefix(SHOP));
  });

  it.each([
    ["a shop that climbs out", () => shopPrefix("../../etc")],
    ["a shop with a slash", () => shopPrefix("evil.myshopify.com/../other.myshopify.com")],
    ["an empty shop", () => shopPrefix("")],
    ["a job id with a slash", () => jobPrefix(SHOP, "job/../../x")],
    ["a job id of dots", () => jobPrefix(SHOP, "..")],
    ["an item id with a dot", () => originalKey(SHOP, "job", "item.jpg", "png")],
    ["a variant id with a slash", () => variantKey(SHOP, "job", "item", "../original", "jpg")],
    ["an extension with a slash", () => originalKey(SHOP, "job", "item", "jpg/../../x")],
    ["an empty extension", () => originalKey(SHOP, "job", "item", "")],
  ])("refuse %s", (_case, make) => {
    expect(make).toThrow(expect.objectContaining({ name: "StorageError", code: "invalid_key" }));
  });
});

describe("local disk storage", () => {
  it("gives back what was put, with its type, and replaces it on a second put", async () => {
    const key = original();
    const bytes = randomBytes(100_000);
    await storage.put(key, bytes, { contentType: "image/jpeg" });

    expect(await storage.exists(key)).toBe(true);
    expect((await storage.get(key)).equals(bytes)).toBe(true);
    expect(await storage.head(key)).toEqual({
      key,
      size: 100_000,
      contentType: "image/jpeg",
      modifiedAt: expect.any(Date),
    });

    const replacement = Buffer.from("a smaller png");
    await storage.put(key, replacement, { contentType: "image/png" });
    expect((await storage.get(key)).equals(replacement)).toBe(true);
    expect(await storage.head(key)).toMatchObject({
      size: replacement.length,
      contentType: "image/png",
    });
  });

  it("answers a missing object with StorageNotFoundError, not retryable", async () => {
    const key = original("never-stored");
    expect(await storage.exists(key)).toBe(false);
    expect(await storage.head(key)).toBeNull();
    const error = await storage.get(key).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageNotFoundError);
    expect(error).toMatchObject({ code: "not_found", retryable: false, key });
    // A folder on the way to other keys is not an object either.
    await storage.put(original(), Buffer.from("x"), { contentType: "image/jpeg" });
    await expect(storage.get(jobPrefix(SHOP, "job1").slice(0, -1))).rejects.toBeInstanceOf(
      StorageNotFoundError,
    );
  });

  it("deletes idempotently", async () => {
    const key = original();
    await storage.put(key, Buffer.from("x"), { contentType: "image/jpeg" });
    await storage.delete(key);
    await storage.delete(key);
    expect(await storage.exists(key)).toBe(false);
    // Neither the object nor its type file is left behind.
    expect(tree(root).filter((entry) => path.basename(entry).startsWith("original"))).toEqual([]);
    expect(tree(root).filter((entry) => entry.endsWith(".type"))).toEqual([]);
  });

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

  it.each([
    "../outside.jpg",
    "shops/../../outside.jpg",
    "/etc/passwd",
    "shops//a.jpg",
    "shops/./a.jpg",
    "shops/a/..",
    ".hidden",
    "shops/.tmp-123",
    "shops\\..\\outside.jpg",
    "shops/a b.jpg",
    "shops/%2e%2e/a.jpg",
    "shops/a\u0000.jpg",
    "shops/é.jpg",
    "shops/a/",
    "",
    `shops/${"a".repeat(256)}`,
    `${"abc/".repeat(300)}x`,
  ])("refuses the hostile key %j everywhere, and writes nothing", async (key) => {
    const before = tree(parent);
    const refused = { name: "StorageError", code: "invalid_key", retryable: false };
    await expect(
      storage.put(key, Buffer.from("x"), { contentType: "image/jpeg" }),
    ).rejects.toMatchObject(refused);
    await expect(storage.get(key)).rejects.toMatchObject(refused);
    await expect(storage.exists(key)).rejects.toMatchObject(refused);
    await expect(storage.head(key)).rejects.toMatchObject(refused);
    await expect(storage.delete(key)).rejects.toMatchObject(refused);
    expect(() => assertValidKey(key)).toThrow(StorageError);
    expect(tree(parent)).toEqual(before);
  });

  it("refuses a content type that is not a media type", async () => {
    await expect(
      storage.put(original(), Buffer.from("x"), { contentType: "image/jpeg\nX-Evil: 1" }),
    ).rejects.toThrow(TypeError);
  });

  it("deletes everything under a prefix, and nothing else", async () => {
    const put = (key: string) => storage.put(key, Buffer.from(key), { contentType: "image/png" });
    await put(originalKey(SHOP, "job1", "item1", "jpg"));
    await put(variantKey(SHOP, "job1", "item1", "var1", "png"));
    await put(variantKey(SHOP, "job1", "item1", "var2", "png"));
    await put(originalKey(SHOP, "job1", "item2", "jpg"));
    await put(originalKey(SHOP, "job10", "item1", "jpg"));
    await put(originalKey(OTHER_SHOP, "job1", "item1", "jpg"));

    expect(await storage.deletePrefix(jobPrefix(SHOP, "job1"))).toBe(4);
    expect(await storage.exists(originalKey(SHOP, "job1", "item1", "jpg"))).toBe(false);
    expect((await storage.list(shopPrefix(SHOP))).map((entry) => entry.key)).toEqual([
      originalKey(SHOP, "job10", "item1", "jpg"),
    ]);

    // A shop's erasure is one call; the other shop (whose name starts the same) keeps its files.
    expect(await storage.deletePrefix(shopPrefix(SHOP))).toBe(1);
    expect(await storage.list(shopPrefix(SHOP))).toEqual([]);
    expect(await storage.exists(originalKey(OTHER_SHOP, "job1", "item1", "jpg"))).toBe(true);

    expect(await storage.deletePrefix(shopPrefix(SHOP))).toBe(0);
    // Nothing half-deleted is left in the storage's own trash.
    expect(tree(path.join(root, ".trash"))).toEqual([]);
  });

  it.each(["", "shops", "shops/hats", "/", "../", "shops/../"])(
    "refuses to delete the prefix %j",
    async (prefix) => {
      await storage.put(original(), Buffer.from("x"), { contentType: "image/jpeg" });
      await expect(storage.deletePrefix(prefix)).rejects.toMatchObject({ code: "invalid_key" });
      expect(await storage.exists(original())).toBe(true);
    },
  );

  it("lists objects in key order, with sizes and types, without its own files", async () => {
    await storage.put(variantKey(SHOP, "job1", "item1", "b", "png"), Buffer.alloc(3), {
      contentType: "image/png",
    });
    await storage.put(originalKey(SHOP, "job1", "item1", "jpg"), Buffer.alloc(5), {
      contentType: "image/jpeg",
    });
    const listed = await storage.list(jobPrefix(SHOP, "job1"));
    expect(listed.map(({ key, size, contentType }) => ({ key, size, contentType }))).toEqual([
      { key: originalKey(SHOP, "job1", "item1", "jpg"), size: 5, contentType: "image/jpeg" },
      { key: variantKey(SHOP, "job1", "item1", "b", "png"), size: 3, contentType: "image/png" },
    ]);
    expect(await storage.list(jobPrefix(SHOP, "nothing-here"))).toEqual([]);
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

  it("is what storageFor picks from the configured STORAGE_DIR", async () => {
    const configured = storageFor({ storageDir: root });
    await configured.put(original(), Buffer.from("configured"), { contentType: "image/jpeg" });
    const file = path.join(root, ...original().split("/"));
    expect(fs.readFileSync(file, "utf8")).toBe("configured");
    expect((await storage.get(original())).toString()).toBe("configured");
  });
});
