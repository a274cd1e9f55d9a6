import http from "node:http";
import type { AddressInfo } from "node:net";

import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  hasWhiteBorder,
  imageFacts,
  renditionUrl,
  type ImageRef,
} from "~/catalog/image-facts.server";
import db from "~/db.server";

const SHOP = "facts-shop.myshopify.com";
const OTHER_SHOP = "other-facts-shop.myshopify.com";

/** A product shot: a dark rounded product on the given background. */
async function productShot(
  background: string,
  { size = 800, product = "#3b2f2f", edgeTouching = false } = {},
) {
  const inset = edgeTouching ? 0 : Math.round(size * 0.2);
  const shape = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
      `<rect x="${inset}" y="${Math.round(size * 0.2)}" width="${size - 2 * inset}" height="${Math.round(size * 0.6)}" rx="40" fill="${product}"/></svg>`,
  );
  return sharp({ create: { width: size, height: size, channels: 3, background } })
    .composite([{ input: shape }])
    .jpeg({ quality: 88 })
    .toBuffer();
}

describe("hasWhiteBorder", () => {
  it("sees a product photographed on white", async () => {
    expect(await hasWhiteBorder(await productShot("#ffffff"))).toBe(true);
    // Off-white paper, as a light box gives it, is white enough for the filter.
    expect(await hasWhiteBorder(await productShot("#f6f6f4"))).toBe(true);
  });

  it("does not count a grey, coloured or busy background as white", async () => {
    expect(await hasWhiteBorder(await productShot("#d8d8d8"))).toBe(false);
    expect(await hasWhiteBorder(await productShot("#f4e3c8"))).toBe(false);
    const noise = await sharp({
      create: {
        width: 400,
        height: 400,
        channels: 3,
        background: "#ffffff",
        noise: { type: "gaussian", mean: 200, sigma: 60 },
      },
    })
      .png()
      .toBuffer();
    expect(await hasWhiteBorder(noise)).toBe(false);
    // A pale studio sweep that darkens towards the floor, as in most unedited product shots.
    const sweep = await sharp(
      Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><defs><linearGradient id="g" x2="0" y2="1"><stop offset="0" stop-color="#fafafa"/><stop offset="1" stop-color="#d0d0d0"/></linearGradient></defs><rect width="400" height="400" fill="url(#g)"/></svg>`,
      ),
    )
      .png()
      .toBuffer();
    expect(await hasWhiteBorder(sweep)).toBe(false);
  });

  it("tolerates a product that touches the frame a little, but not one that fills it", async () => {
    const wide = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800"><rect x="0" y="380" width="800" height="30" fill="#222"/></svg>`,
    );
    const touching = await sharp({
      create: { width: 800, height: 800, channels: 3, background: "#ffffff" },
    })
      .composite([{ input: wide }])
      .jpeg()
      .toBuffer();
    expect(await hasWhiteBorder(touching)).toBe(true);
    expect(await hasWhiteBorder(await productShot("#ffffff", { edgeTouching: true }))).toBe(false);
  });

  it("does not count a transparent background as white", async () => {
    const transparent = await sharp({
      create: { width: 300, height: 300, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    expect(await hasWhiteBorder(transparent)).toBe(false);
  });
});

describe("renditionUrl", () => {
  it("asks Shopify's CDN for a 64 px wide copy and keeps the version", () => {
    expect(
      renditionUrl("https://cdn.shopify.com/s/files/1/0001/files/mug.jpg?v=1712&height=900"),
    ).toBe("https://cdn.shopify.com/s/files/1/0001/files/mug.jpg?v=1712&width=64");
  });
});

describe("imageFacts", () => {
  /** A stand-in CDN over real HTTP: the file per path, and every request it answered. */
  const files = new Map<string, Buffer>();
  const requests: string[] = [];
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    files.set("/white.jpg", await productShot("#ffffff", { size: 1200 }));
    files.set("/grey.jpg", await productShot("#9a9a9a", { size: 1200 }));
    server = http.createServer((req, res) => {
      requests.push(req.url ?? "");
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const bytes = files.get(url.pathname);
      if (!bytes) {
        res.writeHead(404).end();
        return;
      }
      const width = Number(url.searchParams.get("width")) || undefined;
      void sharp(bytes)
        .resize({ width, withoutEnlargement: true })
        .jpeg()
        .toBuffer()
        .then((body) => res.writeHead(200, { "Content-Type": "image/jpeg" }).end(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(async () => {
    requests.length = 0;
    await db.imageFacts.deleteMany();
  });

  const ref = (mediaId: string, path: string, version = 1): ImageRef => ({
    productId: "gid://shopify/Product/1",
    mediaId,
    url: `${base}${path}?v=${version}`,
    width: 1200,
    height: 1200,
  });

  it("looks at a small rendition of each image once, then answers from the cache", async () => {
    const images = [
      ref("gid://shopify/MediaImage/1", "/white.jpg"),
      ref("gid://shopify/MediaImage/2", "/grey.jpg"),
    ];
    const first = await imageFacts({ db }, SHOP, images);
    expect(first.get("gid://shopify/MediaImage/1")).toMatchObject({ whiteBackground: true });
    expect(first.get("gid://shopify/MediaImage/2")).toMatchObject({ whiteBackground: false });
    expect(requests.sort()).toEqual(["/grey.jpg?v=1&width=64", "/white.jpg?v=1&width=64"]);

    const rows = await db.imageFacts.findMany({
      where: { shop: SHOP },
      orderBy: { mediaId: "asc" },
    });
    expect(rows.map((row) => [row.mediaId, row.whiteBackground, row.width])).toEqual([
      ["gid://shopify/MediaImage/1", true, 1200],
      ["gid://shopify/MediaImage/2", false, 1200],
    ]);

    requests.length = 0;
    const again = await imageFacts({ db }, SHOP, images);
    expect(requests).toEqual([]);
    expect([...again.values()].map((fact) => fact.whiteBackground)).toEqual([true, false]);
  });

  it("looks again when the image changed (a new URL), and keeps the new answer", async () => {
    const mediaId = "gid://shopify/MediaImage/3";
    await imageFacts({ db }, SHOP, [ref(mediaId, "/white.jpg", 1)]);
    // The merchant replaced the photo: same media id, new file behind a new URL.
    const replaced = await imageFacts({ db }, SHOP, [ref(mediaId, "/grey.jpg", 2)]);
    expect(replaced.get(mediaId)?.whiteBackground).toBe(false);
    expect(requests).toEqual(["/white.jpg?v=1&width=64", "/grey.jpg?v=2&width=64"]);
    const row = await db.imageFacts.findFirstOrThrow({ where: { shop: SHOP, mediaId } });
    expect(row).toMatchObject({ sourceUrl: `${base}/grey.jpg?v=2`, whiteBackground: false });
  });

  it("answers unknown for an image it cannot download, and asks again next time", async () => {
    const missing = ref("gid://shopify/MediaImage/4", "/gone.jpg");
    const facts = await imageFacts({ db }, SHOP, [missing]);
    expect(facts.get(missing.mediaId)?.whiteBackground).toBeNull();
    expect(await db.imageFacts.count()).toBe(0);
    await imageFacts({ db }, SHOP, [missing]);
    expect(requests).toEqual(["/gone.jpg?v=1&width=64", "/gone.jpg?v=1&width=64"]);
  });

  it("keeps each shop's facts to itself", async () => {
    const image = ref("gid://shopify/MediaImage/5", "/white.jpg");
    await imageFacts({ db }, SHOP, [image]);
    requests.length = 0;
    await imageFacts({ db }, OTHER_SHOP, [image]);
    expect(requests).toEqual(["/white.jpg?v=1&width=64"]);
    expect(await db.imageFacts.count({ where: { mediaId: image.mediaId } })).toBe(2);
  });
});
