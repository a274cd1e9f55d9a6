/**
 * The body of products/create and products/update webhooks: the REST Admin API's product, with
 * its `images` (ready images) and, since 2024-07, its `media` with their status.
 * https://shopify.dev/docs/api/webhooks (topics products/create, products/update)
 * https://shopify.dev/changelog/media-included-in-product-webhooks
 */
import type { ResolverContext } from "../context.ts";
import { gid } from "../ids.ts";
import type { FileRecord, ProductRecord } from "../state.ts";
import { fileUrl, productMedia, settle } from "../views.ts";

function variantIdsShowing(product: ProductRecord, file: FileRecord) {
  return product.variants
    .filter((variant) => variant.mediaIds.includes(file.id))
    .map((variant) => variant.id);
}

export function productWebhookPayload(context: ResolverContext, product: ProductRecord) {
  const media = productMedia(context, product).map((file) => settle(file, context.now()));
  const base = (file: FileRecord, position: number) => ({
    id: file.id,
    product_id: product.id,
    position,
    created_at: file.createdAt,
    updated_at: file.updatedAt,
    alt: file.alt || null,
  });
  const images = media
    .filter((file) => file.status === "READY")
    .map((file, index) => ({
      ...base(file, index + 1),
      width: file.width,
      height: file.height,
      src: fileUrl(context, file),
      variant_ids: variantIdsShowing(product, file),
      admin_graphql_api_id: gid("ProductImage", file.id),
    }));
  const firstVariantImage = (mediaIds: number[]) =>
    mediaIds.find((id) => images.some((image) => image.id === id)) ?? null;
  return {
    admin_graphql_api_id: gid("Product", product.id),
    body_html: product.descriptionHtml,
    created_at: product.createdAt,
    handle: product.handle,
    id: product.id,
    product_type: product.productType,
    published_at: product.status === "ACTIVE" ? product.createdAt : null,
    template_suffix: null,
    title: product.title,
    updated_at: product.updatedAt,
    vendor: product.vendor,
    status: product.status.toLowerCase(),
    published_scope: "global",
    tags: product.tags.join(", "),
    variants: product.variants.map((variant) => ({
      admin_graphql_api_id: gid("ProductVariant", variant.id),
      id: variant.id,
      product_id: product.id,
      title: variant.title,
      price: variant.price,
      position: variant.position,
      sku: variant.sku,
      image_id: firstVariantImage(variant.mediaIds),
      created_at: product.createdAt,
      updated_at: product.updatedAt,
    })),
    images,
    image: images[0] ?? null,
    media: media.map((file, index) => ({
      ...base(file, index + 1),
      admin_graphql_api_id: gid(file.kind, file.id),
      status: file.status,
      media_content_type: "IMAGE",
      preview_image:
        file.status === "READY"
          ? { width: file.width, height: file.height, src: fileUrl(context, file), status: "READY" }
          : null,
      variant_ids: variantIdsShowing(product, file),
    })),
    variant_gids: product.variants.map((variant) => ({
      admin_graphql_api_id: gid("ProductVariant", variant.id),
      updated_at: product.updatedAt,
    })),
  };
}
