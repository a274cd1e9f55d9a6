import fs from "node:fs";
import path from "node:path";

import sharp from "sharp";

export const CATALOG = path.resolve("emulators/shopify/catalog");

export function catalogPhoto(file: string) {
  return { bytes: fs.readFileSync(path.join(CATALOG, file)), mimeType: "image/jpeg" };
}

/** A studio shot the emulator's colour-distance matting can cut out: a red box and a blue disc
 * on a plain light grey backdrop. */
export async function syntheticProductPhoto(width = 640, height = 480) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#e6e6e6"/>
    <rect x="${width * 0.3}" y="${height * 0.3}" width="${width * 0.4}" height="${height * 0.45}" rx="12" fill="#c0392b"/>
    <circle cx="${width * 0.5}" cy="${height * 0.3}" r="${height * 0.12}" fill="#2e5cb8"/>
  </svg>`;
  return { bytes: await sharp(Buffer.from(svg)).png().toBuffer(), mimeType: "image/png" };
}

/** An RGBA cut-out with a soft edge: an orange bottle shape on transparency. */
export async function syntheticCutout(width = 500, height = 700) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><filter id="soft"><feGaussianBlur stdDeviation="1.5"/></filter></defs>
    <g filter="url(#soft)">
      <rect x="${width * 0.25}" y="${height * 0.3}" width="${width * 0.5}" height="${height * 0.6}" rx="30" fill="#e67e22"/>
      <rect x="${width * 0.42}" y="${height * 0.1}" width="${width * 0.16}" height="${height * 0.22}" fill="#7f8c8d"/>
    </g>
  </svg>`;
  return sharp(Buffer.from(svg)).ensureAlpha().png().toBuffer();
}

export async function rgba(bytes: Buffer) {
  const { data, info } = await sharp(bytes)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export async function rgb(bytes: Buffer) {
  const { data, info } = await sharp(bytes)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Compares a scene with the cut-out placed in it: how many of the cut-out's opaque pixels there
 * are, and how many of them the scene does not reproduce exactly.
 */
export function opaquePixelsKept(
  scene: { data: Buffer; width: number },
  placed: { raster: { data: Uint8Array; width: number; height: number }; x: number; y: number },
) {
  let opaque = 0;
  let changed = 0;
  const { raster } = placed;
  for (let y = 0; y < raster.height; y++) {
    for (let x = 0; x < raster.width; x++) {
      const s = (y * raster.width + x) * 4;
      if (raster.data[s + 3] !== 255) continue;
      opaque++;
      const o = ((placed.y + y) * scene.width + placed.x + x) * 3;
      for (let c = 0; c < 3; c++) if (scene.data[o + c] !== raster.data[s + c]) changed++;
    }
  }
  return { opaque, changed };
}
