import fs from "node:fs";

import { APP_URL } from "@shopify/shopify-api/test-helpers";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { getEnv } from "~/env.server";
import { loader } from "~/routes/files.$token";
import { originalKey } from "~/storage/keys";
import { storageFor } from "~/storage/object-storage.server";
import { signedFileUrl } from "~/storage/signed-url.server";

import { callRoute } from "../support/shopify-requests";

// The route reads storage from the configuration, so this file's storage folder must be set
// before anything reads it.
const storageDir = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/photo-studio-files-route-${process.pid}-${Date.now()}`;
  // vi.hoisted runs before imports, so no node:os here.
  process.env.STORAGE_DIR = dir;
  return dir;
});

const SHOP = "hats-and-more.myshopify.com";
const KEY = originalKey(SHOP, "job1", "item1", "jpg");
let photo: Buffer;

beforeAll(async () => {
  expect(getEnv().storageDir).toBe(storageDir);
  photo = await sharp({
    create: { width: 800, height: 600, channels: 3, background: "#336699" },
  })
    .jpeg()
    .toBuffer();
  await storageFor(getEnv()).put(KEY, photo, { contentType: "image/jpeg" });
});

afterAll(() => {
  fs.rmSync(storageDir, { recursive: true, force: true });
});

function get(url: string) {
  const token = url.slice("/files/".length);
  return callRoute(
    (args) => loader({ ...args, params: { token } }),
    new Request(new URL(url, APP_URL)),
  );
}

describe("the files route", () => {
  it("serves a file by the link signedFileUrl made, with no session", async () => {
    const response = await get(signedFileUrl(SHOP, KEY));
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(photo)).toBe(true);
    expect(response.headers.get("Cache-Control")).toMatch(/^private, max-age=(3599|3600)$/);
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("serves the thumbnail rendition", async () => {
    const response = await get(signedFileUrl(SHOP, KEY, { size: "thumb" }));
    expect(response.headers.get("Content-Type")).toBe("image/webp");
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);
  });

  it("refuses a tampered link with 403 and no detail", async () => {
    const url = signedFileUrl(SHOP, KEY);
    const tampered = url.slice(0, -3) + (url.endsWith("AAA") ? "BBB" : "AAA");
    const response = await get(tampered);
    expect(response.status).toBe(403);
    expect(await response.text()).not.toMatch(/signature|hats-and-more|shops\//i);
  });

  it("refuses a link that expired", async () => {
    const response = await get(
      signedFileUrl(SHOP, KEY, { ttlSeconds: 60, now: new Date(Date.now() - 61_000) }),
    );
    expect(response.status).toBe(403);
  });
});
