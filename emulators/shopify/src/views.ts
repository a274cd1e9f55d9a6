/**
 * GraphQL views of the dev store's records: plain objects whose properties are field values or
 * resolver functions. A field the dev store does not model is simply absent, and the executor
 * reports it as not implemented.
 */
import { connection, type ConnectionArgs } from "./connection.ts";
import type { Args, ResolverContext } from "./context.ts";
import { gid } from "./ids.ts";
import { matchesSearch, parseSearchQuery } from "./search-query.ts";
import type { FileRecord, ProductRecord, ShopRecord, VariantRecord } from "./state.ts";

const PLAN_NAMES: Record<ShopRecord["plan"], string> = {
  Development: "Development",
  Basic: "Basic",
  Shopify: "Shopify",
  Advanced: "Advanced",
  Plus: "Shopify Plus",
};

/**
 * Processing is asynchronous in Shopify: a new file is UPLOADED, then PROCESSING, then READY or
 * FAILED. Here it starts at `processingStartsAt` and finishes at `readyAt`, checked on every read.
 */
export function settle(file: FileRecord, now: Date): FileRecord {
  const reached = (time: string | null | undefined) =>
    typeof time === "string" && Date.parse(time) <= now.getTime();
  if (file.status === "UPLOADED" && reached(file.processingStartsAt)) file.status = "PROCESSING";
  if (file.status === "PROCESSING" && reached(file.readyAt)) {
    file.status = file.errors.length > 0 ? "FAILED" : "READY";
  }
  return file;
}

export function shopView(context: ResolverContext) {
  const shop = context.shop;
  return {
    __typename: "Shop",
    id: gid("Shop", shopNumber(shop)),
    name: shop.name,
    email: shop.email,
    contactEmail: shop.email,
    myshopifyDomain: shop.domain,
    url: `https://${shop.domain}`,
    currencyCode: shop.currencyCode,
    ianaTimezone: shop.ianaTimezone,
    createdAt: shop.createdAt,
    plan: {
      __typename: "ShopPlan",
      publicDisplayName: PLAN_NAMES[shop.plan],
      partnerDevelopment: shop.plan === "Development",
      shopifyPlus: shop.plan === "Plus",
    },
  };
}

/** A stable number per shop, used in its gid and CDN paths. */
export function shopNumber(shop: ShopRecord): number {
  let hash = 0;
  for (const char of shop.domain) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_000_007;
  return 10_000_000 + (hash % 89_999_999);
}

export interface ImageTransform {
  maxWidth?: number | null;
  maxHeight?: number | null;
  crop?: "BOTTOM" | "CENTER" | "LEFT" | "RIGHT" | "TOP" | null;
  scale?: number | null;
  preferredContentType?: "JPG" | "PNG" | "WEBP" | null;
}

/** The CDN URL of a file, with Shopify's resize parameters when a transform is asked for. */
export function fileUrl(
  context: ResolverContext,
  file: FileRecord,
  transform?: ImageTransform | null,
) {
  const params = new URLSearchParams({ v: String(file.version) });
  const scale = transform?.scale ?? 1;
  if (transform?.maxWidth) params.set("width", String(transform.maxWidth * scale));
  if (transform?.maxHeight) params.set("height", String(transform.maxHeight * scale));
  if (transform?.crop) params.set("crop", transform.crop.toLowerCase());
  if (transform?.preferredContentType) {
    params.set("format", { JPG: "jpg", PNG: "png", WEBP: "webp" }[transform.preferredContentType]);
  }
  const path = `/cdn/shop/files/${shopNumber(context.shop)}/${file.id}/${encodeURIComponent(file.filename)}`;
  return context.publicUrl(`${path}?${params}`);
}

export function imageView(context: ResolverContext, file: FileRecord) {
  return {
    __typename: "Image",
    id: gid("ImageSource", file.id),
    altText: file.alt || null,
    width: file.width,
    height: file.height,
    url: ({ transform }: Args) => fileUrl(context, file, transform as ImageTransform | null),
  };
}

export function mediaImageView(context: ResolverContext, file: FileRecord) {
  settle(file, context.now());
  const ready = file.status === "READY";
  return {
    __typename: file.kind,
    id: gid(file.kind, file.id),
    alt: file.alt,
    mediaContentType: "IMAGE",
    status: file.status,
    fileStatus: file.status,
    mimeType: file.mimeType,
    createdAt: file.createdAt,
    updatedAt: file.updatedAt,
    // Shopify exposes the image only once processing has produced it.
    image: ready ? imageView(context, file) : null,
    preview: {
      __typename: "MediaPreviewImage",
      status: file.status,
      image: ready ? imageView(context, file) : null,
    },
    originalSource:
      file.blobKey === null
        ? null
        : {
            __typename: "MediaImageOriginalSource",
            url: fileUrl(context, file),
            fileSize: file.byteSize,
          },
    mediaErrors: fileErrorViews(file, "MediaError"),
    fileErrors: fileErrorViews(file, "FileError"),
    mediaWarnings: [],
  };
}

/** Processing errors are known up front here, but Shopify reports them once the file FAILED. */
function fileErrorViews(file: FileRecord, typename: "MediaError" | "FileError") {
  if (file.status !== "FAILED") return [];
  return file.errors.map((error) => ({
    __typename: typename,
    ...error,
    details: error.details ?? null,
  }));
}

/** Any file that is not an image: a PDF, a CSV… served from the CDN as uploaded. */
export function genericFileView(context: ResolverContext, file: FileRecord) {
  settle(file, context.now());
  const ready = file.status === "READY";
  return {
    __typename: "GenericFile",
    id: gid("GenericFile", file.id),
    alt: file.alt,
    fileStatus: file.status,
    mimeType: file.mimeType,
    originalFileSize: file.blobKey === null ? null : file.byteSize,
    url: ready ? fileUrl(context, file) : null,
    createdAt: file.createdAt,
    updatedAt: file.updatedAt,
    preview: { __typename: "MediaPreviewImage", status: file.status, image: null },
    fileErrors: fileErrorViews(file, "FileError"),
  };
}

/** The view of a file record as its own type (the `File` interface's implementations). */
export function fileView(context: ResolverContext, file: FileRecord) {
  return file.kind === "GenericFile"
    ? genericFileView(context, file)
    : mediaImageView(context, file);
}

export function findFile(context: ResolverContext, id: number): FileRecord | undefined {
  return context.shop.files.find((file) => file.id === id);
}

export function variantView(
  context: ResolverContext,
  product: ProductRecord,
  variant: VariantRecord,
) {
  return {
    __typename: "ProductVariant",
    id: gid("ProductVariant", variant.id),
    legacyResourceId: String(variant.id),
    title: variant.title,
    displayName: `${product.title} - ${variant.title}`,
    price: variant.price,
    sku: variant.sku,
    position: variant.position,
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
    product: () => productView(context, product),
    media: (args: ConnectionArgs) =>
      connection(
        variant.mediaIds.map((id) => findFile(context, id)).filter((file) => file !== undefined),
        args,
        (file) => file.id,
        (file) => mediaImageView(context, file),
      ),
  };
}

export function productMedia(context: ResolverContext, product: ProductRecord): FileRecord[] {
  return product.mediaIds
    .map((id) => findFile(context, id))
    .filter((file): file is FileRecord => file !== undefined);
}

export function productView(context: ResolverContext, product: ProductRecord) {
  const media = () => productMedia(context, product);
  return {
    __typename: "Product",
    id: gid("Product", product.id),
    legacyResourceId: String(product.id),
    title: product.title,
    handle: product.handle,
    descriptionHtml: product.descriptionHtml,
    description: () => product.descriptionHtml.replace(/<[^>]+>/g, ""),
    productType: product.productType,
    vendor: product.vendor,
    status: product.status,
    tags: product.tags,
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
    onlineStoreUrl: null,
    hasOnlyDefaultVariant:
      product.variants.length === 1 && product.variants[0]!.title === "Default Title",
    totalInventory: 0,
    featuredMedia: () => {
      const first = media()[0];
      return first ? mediaImageView(context, first) : null;
    },
    mediaCount: () => ({ __typename: "Count", count: media().length, precision: "EXACT" }),
    variantsCount: { __typename: "Count", count: product.variants.length, precision: "EXACT" },
    media: (args: ConnectionArgs & { query?: string | null }) => {
      const groups = parseSearchQuery(args.query ?? "");
      const filtered = media().filter((file) =>
        matchesSearch(
          file,
          groups,
          (item, field) =>
            field === "media_type" ? ["IMAGE"] : field === "id" ? [item.id] : undefined,
          (item) => item.alt,
        ),
      );
      return connection(
        filtered,
        args,
        (file) => file.id,
        (file) => mediaImageView(context, file),
      );
    },
    variants: (args: ConnectionArgs) =>
      connection(
        product.variants,
        args,
        (variant) => variant.id,
        (variant) => variantView(context, product, variant),
      ),
  };
}
