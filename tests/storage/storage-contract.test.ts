/**
 * What every storage backend promises (app/storage/object-storage.server.ts), run against each:
 * local disk and S3. What only one backend does (atomic rename, file modes; prefixes in a bucket,
 * S3's errors) is in local-disk.test.ts and s3.test.ts.
 */
import { randomBytes } from "node:crypto";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { assertValidKey, jobPrefix, originalKey, shopPrefix, variantKey } from "~/storage/keys";
import {
  StorageError,
  StorageNotFoundError,
  storageReady,
  type ObjectStorage,
} from "~/storage/object-storage.server";

import { STORAGE_BACKENDS, type BackendSession, type OpenedStorage } from "./backends";

const SHOP = "hats-and-more.myshopify.com";
const OTHER_SHOP = "hats-and-more-2.myshopify.com";

const original = (item = "item1", job = "job1", shop = SHOP) => originalKey(shop, job, item, "jpg");

describe.each(STORAGE_BACKENDS)("storage on $name", (backend) => {
  let session: BackendSession;
  let storage: ObjectStorage;
  let footprint: OpenedStorage["footprint"];

  beforeAll(async () => {
    session = await backend.start();
  });
  afterAll(async () => {
    await session.close();
  });
  beforeEach(async () => {
    ({ storage, footprint } = await session.open());
  });

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
    await storage.put(key, replacement, { contentType: "Image/PNG" });
    expect((await storage.get(key)).equals(replacement)).toBe(true);
    expect(await storage.head(key)).toMatchObject({
      size: replacement.length,
      contentType: "image/png",
    });
  });

  it("stores an empty object", async () => {
    await storage.put(original(), new Uint8Array(0), { contentType: "image/png" });
    expect((await storage.get(original())).length).toBe(0);
    expect(await storage.head(original())).toMatchObject({ size: 0 });
  });

  it("answers a missing object with StorageNotFoundError, not retryable", async () => {
    const key = original("never-stored");
    expect(await storage.exists(key)).toBe(false);
    expect(await storage.head(key)).toBeNull();
    const error = await storage.get(key).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageNotFoundError);
    expect(error).toMatchObject({ code: "not_found", retryable: false, key });
    // A "folder" on the way to other keys is not an object either.
    await storage.put(original(), Buffer.from("x"), { contentType: "image/jpeg" });
    const folder = jobPrefix(SHOP, "job1").slice(0, -1);
    await expect(storage.get(folder)).rejects.toBeInstanceOf(StorageNotFoundError);
    expect(await storage.head(folder)).toBeNull();
  });

  it("deletes idempotently, leaving nothing of the object behind", async () => {
    const key = original();
    await storage.put(key, Buffer.from("x"), { contentType: "image/jpeg" });
    await storage.delete(key);
    await storage.delete(key);
    await storage.delete(original("never-stored"));
    expect(await storage.exists(key)).toBe(false);
    // Neither the object nor anything kept with it (local disk's type file) is left.
    expect((await footprint()).filter((entry) => entry.includes("original.jpg"))).toEqual([]);
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
    const before = await footprint();
    const refused = { name: "StorageError", code: "invalid_key", retryable: false };
    await expect(
      storage.put(key, Buffer.from("x"), { contentType: "image/jpeg" }),
    ).rejects.toMatchObject(refused);
    await expect(storage.get(key)).rejects.toMatchObject(refused);
    await expect(storage.exists(key)).rejects.toMatchObject(refused);
    await expect(storage.head(key)).rejects.toMatchObject(refused);
    await expect(storage.delete(key)).rejects.toMatchObject(refused);
    expect(() => assertValidKey(key)).toThrow(StorageError);
    expect(await footprint()).toEqual(before);
  });

  it("refuses a content type that is not a media type", async () => {
    await expect(
      storage.put(original(), Buffer.from("x"), { contentType: "image/jpeg\nX-Evil: 1" }),
    ).rejects.toThrow(TypeError);
    expect(await storage.exists(original())).toBe(false);
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
  });

  it.each(["", "shops", "shops/hats", "/", "../", "shops/../"])(
    "refuses to delete or list the prefix %j",
    async (prefix) => {
      await storage.put(original(), Buffer.from("x"), { contentType: "image/jpeg" });
      await expect(storage.deletePrefix(prefix)).rejects.toMatchObject({ code: "invalid_key" });
      await expect(storage.list(prefix)).rejects.toMatchObject({ code: "invalid_key" });
      expect(await storage.exists(original())).toBe(true);
    },
  );

  it("lists objects in key order, with sizes, types and times, without its own files", async () => {
    const before = new Date(Date.now() - 2_000);
    await storage.put(variantKey(SHOP, "job1", "item1", "b", "png"), Buffer.alloc(3), {
      contentType: "image/png",
    });
    await storage.put(originalKey(SHOP, "job1", "item1", "jpg"), Buffer.alloc(5), {
      contentType: "image/jpeg",
    });
    await storage.put(originalKey(SHOP, "job1", "item0", "webp"), Buffer.alloc(7), {
      contentType: "image/webp",
    });
    const listed = await storage.list(jobPrefix(SHOP, "job1"));
    expect(listed.map(({ key, size, contentType }) => ({ key, size, contentType }))).toEqual([
      { key: originalKey(SHOP, "job1", "item0", "webp"), size: 7, contentType: "image/webp" },
      { key: originalKey(SHOP, "job1", "item1", "jpg"), size: 5, contentType: "image/jpeg" },
      { key: variantKey(SHOP, "job1", "item1", "b", "png"), size: 3, contentType: "image/png" },
    ]);
    for (const entry of listed) expect(entry.modifiedAt.getTime()).toBeGreaterThan(+before);
    expect(await storage.list(jobPrefix(SHOP, "nothing-here"))).toEqual([]);
  });

  it("is ready when it can be used", async () => {
    await expect(storage.ready()).resolves.toBeUndefined();
    await expect(storageReady(storage)).resolves.toBeUndefined();
  });
});
