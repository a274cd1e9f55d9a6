import { createHmac, hkdfSync } from "node:crypto";

import { describe, expect, it } from "vitest";

import { originalKey, variantKey } from "~/storage/keys";
import { signFileToken, signedFileUrl, verifyFileToken } from "~/storage/signed-url.server";

const SECRET = "a-test-client-secret-0123456789abcdef";
const SHOP = "hats-and-more.myshopify.com";
const NOW = new Date("2026-12-02T12:00:00Z");
const NOW_SECONDS = NOW.getTime() / 1000;
const VARIANT = variantKey(
  SHOP,
  "cmx74xy080000l47d73bjxxlz",
  "cmx7539cg0004oy7dralnhkw9",
  "cmx7539cg0004oy7dralnhkw8",
  "png",
);

function tokenOf(url: string) {
  return url.slice("/files/".length);
}

describe("signed file links, version 2", () => {
  it("are short: a review tile's thumbnail link stays under 230 characters", () => {
    const url = signedFileUrl(SHOP, VARIANT, { size: "thumb", secret: SECRET, now: NOW });
    expect(url.length).toBeLessThan(230);
    expect(verifyFileToken(tokenOf(url), { secret: SECRET, now: NOW })).toEqual({
      ok: true,
      claims: { shop: SHOP, key: VARIANT, size: "thumb", expiresAt: NOW_SECONDS + 3600 },
    });
  });

  it("carry every claim exactly, whatever the shop's host and the key", () => {
    for (const claims of [
      { shop: SHOP, key: VARIANT, size: "preview" as const, expiresAt: NOW_SECONDS + 60 },
      // A shop off myshopify.com, and one whose name has a dot before it.
      {
        shop: "studio.example.com",
        key: originalKey("studio.example.com", "j", "i", "jpg"),
        size: "full" as const,
        expiresAt: NOW_SECONDS + 60,
      },
      {
        shop: "a.b.myshopify.com",
        key: originalKey("a.b.myshopify.com", "j", "i", "jpg"),
        size: "thumb" as const,
        expiresAt: NOW_SECONDS + 60,
      },
    ]) {
      const token = signFileToken(claims, SECRET);
      expect(verifyFileToken(token, { secret: SECRET, now: NOW })).toEqual({ ok: true, claims });
    }
  });

  it("keep the shop binding: a key outside the shop's prefix is carried whole and refused", () => {
    const theirs = originalKey("gloves-and-more.myshopify.com", "j", "i", "jpg");
    for (const key of [theirs, `~${theirs}`, "=x", "shops/hats-and-more.myshopify.com"]) {
      const token = signFileToken(
        { shop: SHOP, key, size: "full", expiresAt: NOW_SECONDS + 60 },
        SECRET,
      );
      const result = verifyFileToken(token, { secret: SECRET, now: NOW });
      expect(result.ok).toBe(false);
    }
  });

  it("still accept a version 1 link (JSON payload) until it expires", () => {
    const key = Buffer.from(
      hkdfSync("sha256", SECRET, "photo-studio", "photo-studio file links v1", 32),
    );
    const payload = Buffer.from(
      JSON.stringify({ v: 1, s: SHOP, k: VARIANT, z: "thumb", e: NOW_SECONDS + 60 }),
    ).toString("base64url");
    const token = `${payload}.${createHmac("sha256", key).update(payload).digest("base64url")}`;
    expect(verifyFileToken(token, { secret: SECRET, now: NOW })).toEqual({
      ok: true,
      claims: { shop: SHOP, key: VARIANT, size: "thumb", expiresAt: NOW_SECONDS + 60 },
    });
    expect(
      verifyFileToken(token, { secret: SECRET, now: new Date(NOW.getTime() + 60_000) }),
    ).toEqual({ ok: false, reason: "expired" });
  });

  it("refuse a correctly signed payload that is not one of the two formats", () => {
    for (const text of ["3:abc:t:shop:~x", "2:abc:x:shop:~x", "2:abc:t::~x", "2::t:s:~x", "{}"]) {
      const key = Buffer.from(
        hkdfSync("sha256", SECRET, "photo-studio", "photo-studio file links v1", 32),
      );
      const payload = Buffer.from(text).toString("base64url");
      const token = `${payload}.${createHmac("sha256", key).update(payload).digest("base64url")}`;
      expect(verifyFileToken(token, { secret: SECRET, now: NOW })).toEqual({
        ok: false,
        reason: "malformed",
      });
    }
  });
});
