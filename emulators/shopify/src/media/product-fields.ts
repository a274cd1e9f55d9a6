/**
 * The product fields the dev store models (title, handle, description, type, vendor, status,
 * tags), as productCreate, productUpdate and productSet set them: a handle made from the title
 * when none is given, unique in the shop.
 */
import type { ResolverContext } from "../context.ts";
import type { ProductRecord, ProductStatus } from "../state.ts";
import { notImplemented, userError, type UserErrorView } from "./errors.ts";

export const PRODUCT_FIELDS = [
  "title",
  "handle",
  "descriptionHtml",
  "productType",
  "vendor",
  "status",
  "tags",
] as const;

export interface ProductFieldsInput {
  title?: string | null;
  handle?: string | null;
  descriptionHtml?: string | null;
  productType?: string | null;
  vendor?: string | null;
  status?: string | null;
  tags?: string[] | null;
}

/** "Black Sunglasses" → "black-sunglasses". */
function handleize(text: string) {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function handleTaken(context: ResolverContext, handle: string, exceptId?: number) {
  return context.shop.products.some(
    (product) => product.handle === handle && product.id !== exceptId,
  );
}

/** A generated handle never collides: "black-sunglasses-1", "-2"… as Shopify numbers them. */
function uniqueHandle(context: ResolverContext, base: string) {
  let handle = base || "product";
  for (let n = 1; handleTaken(context, handle); n += 1) handle = `${base || "product"}-${n}`;
  return handle;
}

/** Checks the fields against the product they would apply to (undefined: a new product). */
export function checkProductFields(
  context: ResolverContext,
  input: ProductFieldsInput,
  product: ProductRecord | undefined,
  path: string[],
  errors: UserErrorView[],
) {
  if (input.status === "UNLISTED") throw notImplemented("the UNLISTED product status");
  const title = input.title ?? product?.title ?? "";
  if (!title.trim()) errors.push(userError([...path, "title"], "Title can't be blank"));
  if (input.handle != null) {
    const handle = handleize(input.handle);
    if (!handle) errors.push(userError([...path, "handle"], "Handle can't be blank"));
    else if (handleTaken(context, handle, product?.id)) {
      errors.push(
        userError(
          [...path, "handle"],
          `Handle '${handle}' already in use. Please provide a new handle.`,
        ),
      );
    }
  }
}

export function applyProductFields(
  context: ResolverContext,
  product: ProductRecord,
  input: ProductFieldsInput,
) {
  if (input.title != null) product.title = input.title;
  if (input.handle != null) product.handle = handleize(input.handle);
  if (input.descriptionHtml != null) product.descriptionHtml = input.descriptionHtml;
  if (input.productType != null) product.productType = input.productType;
  if (input.vendor != null) product.vendor = input.vendor;
  if (input.status != null) product.status = input.status as ProductStatus;
  if (input.tags != null) product.tags = [...new Set(input.tags.map((tag) => tag.trim()))];
  product.updatedAt = context.now().toISOString();
}

/** A new product with Shopify's defaults: active, the shop as vendor, one default variant. */
export function createProduct(context: ResolverContext, input: ProductFieldsInput): ProductRecord {
  const now = context.now().toISOString();
  const product: ProductRecord = {
    id: context.store.nextId(),
    title: input.title ?? "",
    handle: input.handle
      ? handleize(input.handle)
      : uniqueHandle(context, handleize(input.title ?? "")),
    descriptionHtml: "",
    productType: "",
    vendor: context.shop.name,
    status: "ACTIVE",
    tags: [],
    createdAt: now,
    updatedAt: now,
    mediaIds: [],
    variants: [
      {
        id: context.store.nextId(),
        title: "Default Title",
        price: "0.00",
        sku: null,
        position: 1,
        mediaIds: [],
      },
    ],
  };
  applyProductFields(context, product, { ...input, handle: null });
  context.shop.products.push(product);
  context.store.changed();
  return product;
}
