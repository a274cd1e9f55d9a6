import { createHmac } from "node:crypto";

import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { itemPrefix, originalKey, variantKey } from "~/storage/keys";
import type { ObjectStorage } from "~/storage/object-storage.server";
import {
  serveSignedFile,
  signFileToken,
  signedFileUrl,
  verifyFileToken,
} from "~/storage/signed-url.server";
import { renditionKey } from "~/storage/thumbnails.server";

import { STORAGE_BACKENDS, type BackendSession } from "./backends";

const SECRET = "a-test-client-secret-0123456789abcdef";
const SHOP = "hats-and-more.myshopify.com";
const OTHER_SHOP = "gloves-and-more.myshopify.com";
const NOW = new Date("2026-12-02T12:00:00Z");
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

const ORIGINAL = originalKey(SHOP, "job1", "item1", "jpg");
const VARIANT = variantKey(SHOP, "job1", "item1", "var1", "png");

// Every backend: the app reads the object and answers it itself, S3 included (never public).
describe.each(STORAGE_BACKENDS)("on $name", (backend) => {
  let session: BackendSession;
  let storage: ObjectStorage;
  let photo: Buffer;

  beforeAll(async () => {
    session = await backend.start();
  });

  afterAll(async () => {
    await session.close();
  });

  beforeEach(async () => {
    ({ storage } = await session.open());
    photo = await sharp({
      create: { width: 2000, height: 1500, channels: 3, background: { r: 200, g: 30, b: 60 } },
    })
      .jpeg()
      .toBuffer();
    await storage.put(ORIGINAL, photo, { contentType: "image/jpeg" });
  });

  function tokenOf(url: string): string {
    expect(url).toMatch(/^\/files\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    return url.slice("/files/".length);
  }

  function link(key = ORIGINAL, options: Parameters<typeof signedFileUrl>[2] = {}) {
    return tokenOf(signedFileUrl(SHOP, key, { secret: SECRET, now: NOW, ...options }));
  }

  function serve(token: string, { now = at(10), headers = {} as Record<string, string> } = {}) {
    return serveSignedFile(
      new Request(`https://app.example.com/files/${token}`, { headers }),
      token,
      {
        storage,
        secret: SECRET,
        now,
      },
    );
  }

  /** `token` with one character changed at `index` (to another valid base64url character). */
  function flip(token: string, index: number): string {
    const replacement = token[index] === "A" ? "B" : "A";
    return token.slice(0, index) + replacement + token.slice(index + 1);
  }

  describe("signed file links", () => {
    it("serves the stored bytes, typed and privately cached until the link expires", async () => {
      const response = await serve(link(ORIGINAL, { size: "full" }));

      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(photo)).toBe(true);
      expect(response.headers.get("Content-Type")).toBe("image/jpeg");
      expect(response.headers.get("Cache-Control")).toBe("private, max-age=3590");
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(response.headers.get("Content-Security-Policy")).toMatch(/^default-src 'none'/);
      expect(response.headers.get("ETag")).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    });

    it("lasts one hour by default (FILE_LINK_TTL_SECONDS) and as long as a caller asks", () => {
      expect(verifyFileToken(link(), { secret: SECRET, now: NOW })).toMatchObject({
        ok: true,
        claims: { shop: SHOP, key: ORIGINAL, size: "full", expiresAt: NOW.getTime() / 1000 + 3600 },
      });
      const short = link(ORIGINAL, { ttlSeconds: 60 });
      expect(verifyFileToken(short, { secret: SECRET, now: at(59) }).ok).toBe(true);
      expect(verifyFileToken(short, { secret: SECRET, now: at(60) })).toEqual({
        ok: false,
        reason: "expired",
      });
      expect(() => link(ORIGINAL, { ttlSeconds: 0 })).toThrow(RangeError);
      expect(() => link(ORIGINAL, { ttlSeconds: 86_401 })).toThrow(RangeError);
    });

    it("refuses a link after it expired, with nothing said about the file", async () => {
      const token = link(ORIGINAL, { ttlSeconds: 120 });
      expect((await serve(token, { now: at(119) })).status).toBe(200);

      const response = await serve(token, { now: at(120) });
      expect(response.status).toBe(403);
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      expect(await response.text()).toBe(
        "This link does not work: it has expired or is not valid. Reload the page for a new one.",
      );
    });

    it("refuses a link when any character of its payload or signature changes", async () => {
      const token = link();
      const refused = [];
      for (let index = 0; index < token.length; index += 1) {
        if (token[index] === ".") continue;
        refused.push(verifyFileToken(flip(token, index), { secret: SECRET, now: NOW }).ok);
      }
      expect(refused.every((ok) => ok === false)).toBe(true);
      expect(verifyFileToken(token + "A", { secret: SECRET, now: NOW }).ok).toBe(false);
      expect(verifyFileToken(token.slice(0, -1), { secret: SECRET, now: NOW }).ok).toBe(false);
      expect((await serve(flip(token, 5))).status).toBe(403);
      expect((await serve(flip(token, token.length - 2))).status).toBe(403);
    });

    it("refuses a link whose payload was re-signed with any other secret", async () => {
      const forged = signFileToken(
        { shop: SHOP, key: ORIGINAL, size: "full", expiresAt: NOW.getTime() / 1000 + 60 },
        "another-secret-0123456789abcdef0123",
      );
      expect(verifyFileToken(forged, { secret: SECRET, now: NOW })).toEqual({
        ok: false,
        reason: "bad_signature",
      });
      expect((await serve(forged)).status).toBe(403);
    });

    it("does not sign with the client secret itself (the link key is derived from it)", () => {
      const [payload = "", signature] = link().split(".");
      expect(createHmac("sha256", SECRET).update(payload).digest("base64url")).not.toBe(signature);
    });

    it("refuses to sign, and refuses to serve, a key of another shop", async () => {
      const theirs = originalKey(OTHER_SHOP, "job9", "item9", "jpg");
      await storage.put(theirs, photo, { contentType: "image/jpeg" });
      expect(() => signedFileUrl(SHOP, theirs, { secret: SECRET })).toThrow(/refused to link/);

      // A link correctly signed for shop A but naming shop B's object: the signature is right, the
      // binding is not.
      const forged = signFileToken(
        { shop: SHOP, key: theirs, size: "full", expiresAt: NOW.getTime() / 1000 + 60 },
        SECRET,
      );
      expect(verifyFileToken(forged, { secret: SECRET, now: NOW })).toEqual({
        ok: false,
        reason: "foreign_key",
      });
      expect((await serve(forged)).status).toBe(403);
    });

    it("refuses keys outside the shop's prefix: traversal, look-alike shops, the prefix itself", async () => {
      for (const key of [
        `shops/${SHOP}/../${OTHER_SHOP}/jobs/j/items/i/original.jpg`,
        `shops/${SHOP}-evil/jobs/j/items/i/original.jpg`,
        `shops/${SHOP}/`,
        `data/${SHOP}/original.jpg`,
        "/etc/passwd",
      ]) {
        expect(() => signedFileUrl(SHOP, key, { secret: SECRET })).toThrow();
        const forged = signFileToken(
          { shop: SHOP, key, size: "full", expiresAt: NOW.getTime() / 1000 + 60 },
          SECRET,
        );
        expect((await serve(forged)).status).toBe(403);
      }
    });

    it("answers 404 for a valid link to a file that is gone", async () => {
      const token = link(VARIANT);
      const response = await serve(token);
      expect(response.status).toBe(404);
      expect(await response.text()).toBe("Photo Studio no longer has this file.");
    });

    it("makes thumb and preview renditions as WebP, stores them beside the object, and reuses them", async () => {
      const thumb = await serve(link(ORIGINAL, { size: "thumb" }));
      expect(thumb.status).toBe(200);
      expect(thumb.headers.get("Content-Type")).toBe("image/webp");
      const thumbMeta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
      expect([thumbMeta.format, thumbMeta.width, thumbMeta.height]).toEqual(["webp", 320, 240]);

      const preview = await serve(link(ORIGINAL, { size: "preview" }));
      const previewMeta = await sharp(Buffer.from(await preview.arrayBuffer())).metadata();
      expect([previewMeta.format, previewMeta.width, previewMeta.height]).toEqual([
        "webp",
        1200,
        900,
      ]);

      const thumbKey = renditionKey(ORIGINAL, "thumb");
      expect(thumbKey).toBe(
        `${itemPrefix(SHOP, "job1", "item1")}renditions/original.jpg.thumb.webp`,
      );
      expect(await storage.head(thumbKey)).toMatchObject({ contentType: "image/webp" });

      // The stored rendition is what a second request gets (marked, so reuse is visible).
      const marked = await sharp({
        create: { width: 10, height: 10, channels: 3, background: "#00ff00" },
      })
        .webp()
        .toBuffer();
      await storage.put(thumbKey, marked, { contentType: "image/webp" });
      const again = await serve(link(ORIGINAL, { size: "thumb" }));
      expect(Buffer.from(await again.arrayBuffer()).equals(marked)).toBe(true);
    });

    it("never enlarges a small image for a rendition", async () => {
      const small = await sharp({
        create: { width: 200, height: 100, channels: 4, background: "#ffffff00" },
      })
        .png()
        .toBuffer();
      await storage.put(VARIANT, small, { contentType: "image/png" });
      const response = await serve(link(VARIANT, { size: "preview" }));
      const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      expect([meta.width, meta.height, meta.hasAlpha]).toEqual([200, 100, true]);
    });

    it("answers 422 in plain words for damaged stored bytes, and keeps serving other files", async () => {
      await storage.put(VARIANT, photo.subarray(0, 400), { contentType: "image/png" });
      const response = await serve(link(VARIANT, { size: "thumb" }));
      expect(response.status).toBe(422);
      expect(await response.text()).toBe(
        "This image could not be shown: its stored file is damaged.",
      );
      expect(await storage.exists(renditionKey(VARIANT, "thumb"))).toBe(false);

      expect((await serve(link(ORIGINAL, { size: "thumb" }))).status).toBe(200);
    });

    it("answers 304 when the browser already has the same bytes", async () => {
      const token = link();
      const first = await serve(token);
      const etag = first.headers.get("ETag")!;
      const second = await serve(token, { headers: { "If-None-Match": etag } });
      expect(second.status).toBe(304);
      expect(second.headers.get("Cache-Control")).toBe("private, max-age=3590");
      expect((await serve(token, { headers: { "If-None-Match": '"other"' } })).status).toBe(200);
    });

    it("serves a stored object that is not an image type as a download, never inline", async () => {
      const odd = variantKey(SHOP, "job1", "item1", "var2", "html");
      await storage.put(odd, Buffer.from("<script>alert(1)</script>"), {
        contentType: "text/html",
      });
      const response = await serve(link(odd));
      expect(response.headers.get("Content-Type")).toBe("application/octet-stream");
      expect(response.headers.get("Content-Disposition")).toBe("attachment");
    });

    it("refuses malformed tokens without throwing", async () => {
      for (const token of ["", "abc", "a.b", "..", "%2e%2e", "x".repeat(5000) + ".sig"]) {
        expect((await serve(token)).status).toBe(403);
      }
    });
  });

  describe("renditions under load", () => {
    it("makes a rendition once when many requests for it arrive together", async () => {
      let puts = 0;
      const counting: ObjectStorage = {
        ...storage,
        put: async (key, bytes, options) => {
          puts += 1;
          return storage.put(key, bytes, options);
        },
      };
      const token = link(ORIGINAL, { size: "thumb" });
      const responses = await Promise.all(
        Array.from({ length: 8 }, () =>
          serveSignedFile(new Request("https://app.example.com/"), token, {
            storage: counting,
            secret: SECRET,
            now: at(1),
          }),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200));
      expect(new Set(responses.map((response) => response.headers.get("ETag"))).size).toBe(1);
      expect(puts).toBe(1);
    });
  });
});
