/**
 * A catalog built for the catalog health audit (app/catalog-audit): one product per kind of
 * defect, each with exactly that defect, and one healthy product. Images are drawn with sharp (a
 * dark product shape on a backdrop) at the sizes the defects need, stored READY like the demo
 * catalog, so the audit's counts can be stated exactly.
 */
import { randomBytes } from "node:crypto";

import sharp from "sharp";

import type { ShopRecord, StateStore } from "./state.ts";

interface Shot {
  width: number;
  height: number;
  background?: string;
  /** Alt text; "" is missing. */
  alt?: string;
  /** A PNG whose middle is incompressible noise: a big file with a white border. */
  heavy?: boolean;
}

export interface DefectProduct {
  key: string;
  title: string;
  handle: string;
  shots: Shot[];
}

const square = (side: number, extra: Partial<Shot> = {}): Shot => ({
  width: side,
  height: side,
  ...extra,
});

/** The products, by the defect each one carries. */
export const DEFECT_PRODUCTS: readonly DefectProduct[] = [
  { key: "noImage", title: "Defect No Image", handle: "defect-no-image", shots: [] },
  {
    key: "fewImages",
    title: "Defect Single Shot",
    handle: "defect-single-shot",
    shots: [square(2200)],
  },
  {
    key: "below1000",
    title: "Defect Tiny Photos",
    handle: "defect-tiny-photos",
    shots: [square(600), square(600), square(600)],
  },
  {
    key: "below2048",
    title: "Defect Medium Photos",
    handle: "defect-medium-photos",
    shots: [square(1500), square(1500), square(1500)],
  },
  {
    key: "nonWhite",
    title: "Defect Grey Backdrop",
    handle: "defect-grey-backdrop",
    shots: [
      square(2200, { background: "#8c8c8c" }),
      square(2200, { background: "#8c8c8c" }),
      square(2200, { background: "#8c8c8c" }),
    ],
  },
  {
    key: "inconsistentAspect",
    title: "Defect Mixed Ratios",
    handle: "defect-mixed-ratios",
    shots: [square(2200), { width: 2200, height: 1400 }, { width: 1400, height: 2200 }],
  },
  {
    key: "missingAlt",
    title: "Defect Missing Alt",
    handle: "defect-missing-alt",
    shots: [square(2200, { alt: "" }), square(2200, { alt: "" }), square(2200, { alt: "" })],
  },
  {
    key: "oversized",
    title: "Defect Heavy File",
    handle: "defect-heavy-file",
    shots: [square(2200, { heavy: true }), square(2200), square(2200)],
  },
  {
    key: "healthy",
    title: "Healthy Product",
    handle: "healthy-product",
    shots: [square(2200), square(2200), square(2200)],
  },
];

async function draw(shot: Shot): Promise<{ bytes: Buffer; mimeType: string; ext: string }> {
  const { width, height } = shot;
  if (shot.heavy) {
    // Noise does not compress: about 3 bytes a pixel, inside a white margin the audit sees.
    const inner = Math.round(Math.min(width, height) * 0.72);
    const noise = await sharp(randomBytes(inner * inner * 3), {
      raw: { width: inner, height: inner, channels: 3 },
    })
      .png()
      .toBuffer();
    const bytes = await sharp({
      create: { width, height, channels: 3, background: "#ffffff" },
    })
      .composite([{ input: noise }])
      .png({ compressionLevel: 1 })
      .toBuffer();
    return { bytes, mimeType: "image/png", ext: "png" };
  }
  const shape = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect x="${width * 0.3}" y="${height * 0.2}" width="${width * 0.4}" height="${height * 0.6}" fill="#2d3a4a"/></svg>`,
  );
  const bytes = await sharp({
    create: { width, height, channels: 3, background: shot.background ?? "#ffffff" },
  })
    .composite([{ input: shape }])
    .jpeg({ quality: 85 })
    .toBuffer();
  return { bytes, mimeType: "image/jpeg", ext: "jpg" };
}

/** Adds the defect catalog to the shop; answers each product's gid by its defect key. */
export async function seedDefectCatalog(
  store: StateStore,
  shop: ShopRecord,
): Promise<Record<string, string>> {
  const createdAt = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const ids: Record<string, string> = {};
  for (const product of DEFECT_PRODUCTS) {
    const productId = store.nextId();
    const mediaIds: number[] = [];
    for (const [index, shot] of product.shots.entries()) {
      const image = await draw(shot);
      const blobKey = `${randomBytes(12).toString("hex")}.${image.ext}`;
      store.writeBlob(blobKey, image.bytes);
      const fileId = store.nextId();
      shop.files.push({
        id: fileId,
        kind: "MediaImage",
        filename: `${product.handle}-${index + 1}.${image.ext}`,
        alt: shot.alt ?? `${product.title} photo ${index + 1}`,
        mimeType: image.mimeType,
        blobKey,
        byteSize: image.bytes.length,
        width: shot.width,
        height: shot.height,
        status: "READY",
        readyAt: createdAt,
        errors: [],
        productIds: [productId],
        version: 1,
        createdAt,
        updatedAt: createdAt,
      });
      mediaIds.push(fileId);
    }
    shop.products.push({
      id: productId,
      title: product.title,
      handle: product.handle,
      descriptionHtml: `<p>${product.title}</p>`,
      productType: "Audit Test",
      vendor: shop.name,
      status: "ACTIVE",
      tags: [],
      createdAt,
      updatedAt: createdAt,
      mediaIds,
      variants: [
        {
          id: store.nextId(),
          title: "Default Title",
          price: "10.00",
          sku: product.handle.toUpperCase(),
          position: 1,
          mediaIds: [],
        },
      ],
    });
    ids[product.key] = `gid://shopify/Product/${productId}`;
  }
  store.changed();
  return ids;
}
