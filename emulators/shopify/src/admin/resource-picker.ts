/**
 * Data for the resource picker the shell opens for `shopify.resourcePicker()`: the store's products
 * (or their variants) matching the picker's search and filters, each in the shape App Bridge
 * resolves the picker with (@shopify/app-bridge-types' Product and ProductVariant), plus what the
 * dialog shows. The dev store models no collections, so a collection picker lists none.
 * https://shopify.dev/docs/api/app-home/apis/user-interface-and-interactions/resource-picker-api
 */
import type { ResolverContext } from "../context.ts";
import { gid } from "../ids.ts";
import { searchProducts } from "../resolvers/products.ts";
import type { ProductRecord, VariantRecord } from "../state.ts";
import { fileUrl, productMedia } from "../views.ts";
import { thumbnailUrl } from "./products-page.ts";

export interface PickerQuery {
  type?: unknown;
  query?: unknown;
  filter?: { query?: unknown; draft?: unknown; archived?: unknown };
}

export interface PickerItem {
  resource: Record<string, unknown>;
  title: string;
  subtitle: string;
  thumbnail: string | null;
}

function appBridgeVariant(product: ProductRecord, variant: VariantRecord) {
  return {
    id: gid("ProductVariant", variant.id),
    availableForSale: product.status === "ACTIVE",
    barcode: null,
    compareAtPrice: null,
    createdAt: product.createdAt,
    displayName: `${product.title} - ${variant.title}`,
    image: null,
    inventoryItem: { id: gid("InventoryItem", variant.id) },
    inventoryManagement: "NOT_MANAGED",
    inventoryPolicy: "DENY",
    inventoryQuantity: 0,
    position: variant.position,
    price: variant.price,
    product: { id: gid("Product", product.id) },
    requiresShipping: true,
    selectedOptions: [{ value: variant.title }],
    sku: variant.sku,
    taxable: true,
    title: variant.title,
    weight: 0,
    weightUnit: "KILOGRAMS",
    updatedAt: product.updatedAt,
  };
}

export function appBridgeProduct(context: ResolverContext, product: ProductRecord) {
  return {
    id: gid("Product", product.id),
    availablePublicationCount: 0,
    createdAt: product.createdAt,
    descriptionHtml: product.descriptionHtml,
    handle: product.handle,
    hasOnlyDefaultVariant:
      product.variants.length === 1 && product.variants[0]!.title === "Default Title",
    images: productMedia(context, product).map((file) => ({
      id: gid("ProductImage", file.id),
      altText: file.alt,
      originalSrc: fileUrl(context, file),
    })),
    options: [
      {
        id: gid("ProductOption", product.id),
        name: "Title",
        position: 1,
        values: product.variants.map((variant) => variant.title),
      },
    ],
    productType: product.productType,
    publishedAt: product.status === "ACTIVE" ? product.createdAt : null,
    tags: product.tags,
    templateSuffix: null,
    title: product.title,
    totalInventory: 0,
    totalVariants: product.variants.length,
    tracksInventory: false,
    variants: product.variants.map((variant) => appBridgeVariant(product, variant)),
    vendor: product.vendor,
    updatedAt: product.updatedAt,
    status: product.status,
  };
}

const text = (value: unknown) => (typeof value === "string" ? value : "");

export function pickerItems(context: ResolverContext, request: PickerQuery): PickerItem[] {
  if (request.type === "collection") return [];
  const search = `${text(request.filter?.query)} ${text(request.query)}`.trim();
  const products = searchProducts(context, search, "TITLE").filter(
    (product) =>
      !(request.filter?.draft === false && product.status === "DRAFT") &&
      !(request.filter?.archived === false && product.status === "ARCHIVED"),
  );
  if (request.type === "variant") {
    return products.flatMap((product) =>
      product.variants.map((variant) => ({
        resource: {
          ...appBridgeVariant(product, variant),
          product: appBridgeProduct(context, product),
        },
        title: `${product.title} - ${variant.title}`,
        subtitle: variant.sku ?? "",
        thumbnail: thumbnailUrl(context, product),
      })),
    );
  }
  return products.map((product) => ({
    resource: appBridgeProduct(context, product),
    title: product.title,
    subtitle: [product.vendor, product.status.toLowerCase()].filter(Boolean).join(" · "),
    thumbnail: thumbnailUrl(context, product),
  }));
}
