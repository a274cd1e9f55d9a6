/**
 * Files as product media: the references between a file and the products (and variants) that
 * show it, kept on both sides, and the products/update webhook Shopify sends when a product's
 * media change.
 */
import type { ResolverContext } from "../context.ts";
import { parseGid } from "../ids.ts";
import type { FileRecord, ProductRecord } from "../state.ts";
import { productWebhookPayload } from "./product-webhook.ts";

export function findProductByGid(context: ResolverContext, id: unknown): ProductRecord | undefined {
  const parsed = parseGid(id, "Product");
  return parsed ? context.shop.products.find((product) => product.id === parsed.id) : undefined;
}

/** Appends the file to the product's media (a file appears at most once in a product). */
export function attachFile(product: ProductRecord, file: FileRecord) {
  if (!product.mediaIds.includes(file.id)) product.mediaIds.push(file.id);
  if (!file.productIds.includes(product.id)) file.productIds.push(product.id);
}

/**
 * Removes the file from the product's media. Shopify also clears the image of every variant that
 * used it ("clears the image from any product variants that were using it", fileUpdate).
 */
export function detachFile(product: ProductRecord, file: FileRecord) {
  product.mediaIds = product.mediaIds.filter((id) => id !== file.id);
  for (const variant of product.variants) {
    variant.mediaIds = variant.mediaIds.filter((id) => id !== file.id);
  }
  file.productIds = file.productIds.filter((id) => id !== product.id);
}

/** Deletes a file: off every product and variant, its bytes gone. Returns the products touched. */
export function deleteFile(context: ResolverContext, file: FileRecord): number[] {
  const touched = [...file.productIds];
  for (const product of context.shop.products) {
    if (product.mediaIds.includes(file.id) || touched.includes(product.id))
      detachFile(product, file);
  }
  if (file.blobKey) context.store.deleteBlob(file.blobKey);
  context.shop.files = context.shop.files.filter((candidate) => candidate !== file);
  context.store.changed();
  return touched;
}

/**
 * Marks products as updated now and sends each one webhook (products/update, or products/create
 * for a new product), with Shopify's REST-style product body.
 */
export function announceProducts(
  context: ResolverContext,
  productIds: Iterable<number>,
  topic: "products/update" | "products/create" = "products/update",
) {
  const now = context.now().toISOString();
  for (const id of new Set(productIds)) {
    const product = context.shop.products.find((candidate) => candidate.id === id);
    if (!product) continue;
    product.updatedAt = now;
    context.emitWebhook(topic, productWebhookPayload(context, product));
  }
  context.store.changed();
}
