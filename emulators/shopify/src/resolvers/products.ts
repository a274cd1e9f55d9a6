import { UserFacingError, type ConnectionArgs, connection } from "../connection.ts";
import { requireScope, type ResolverContext, type ResolverModule } from "../context.ts";
import { parseGid } from "../ids.ts";
import { matchesSearch, parseSearchQuery } from "../search-query.ts";
import type { ProductRecord } from "../state.ts";
import { productView } from "../views.ts";

type SortKey = "ID" | "TITLE" | "CREATED_AT" | "UPDATED_AT" | "PRODUCT_TYPE" | "VENDOR";

const SORTERS: Record<SortKey, (a: ProductRecord, b: ProductRecord) => number> = {
  ID: (a, b) => a.id - b.id,
  TITLE: (a, b) => a.title.localeCompare(b.title) || a.id - b.id,
  CREATED_AT: (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id,
  UPDATED_AT: (a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id - b.id,
  PRODUCT_TYPE: (a, b) => a.productType.localeCompare(b.productType) || a.id - b.id,
  VENDOR: (a, b) => a.vendor.localeCompare(b.vendor) || a.id - b.id,
};

/** The product fields Shopify's product search understands (the ones the app uses). */
function productField(product: ProductRecord, field: string): Array<string | number> | undefined {
  switch (field) {
    case "id":
      return [product.id];
    case "title":
      return [product.title];
    case "handle":
      return [product.handle];
    case "product_type":
      return [product.productType];
    case "vendor":
      return [product.vendor];
    case "status":
      return [product.status];
    case "tag":
      return product.tags;
    case "sku":
      return product.variants.map((variant) => variant.sku ?? "");
    case "created_at":
      return [product.createdAt];
    case "updated_at":
      return [product.updatedAt];
    default:
      return undefined;
  }
}

export function searchProducts(
  context: ResolverContext,
  query: string | null | undefined,
  sortKey?: string | null,
) {
  const groups = parseSearchQuery(query ?? "");
  const sorter = SORTERS[(sortKey ?? "ID") as SortKey];
  if (!sorter) throw new UserFacingError(`Sort key ${sortKey} is not supported by the dev store`);
  return context.shop.products
    .filter((product) =>
      matchesSearch(product, groups, productField, (item) =>
        [item.title, item.vendor, item.productType, ...item.tags].join(" "),
      ),
    )
    .sort(sorter);
}

function distinctStrings(values: string[], args: unknown) {
  const distinct = [...new Set(values.filter((value) => value !== ""))].sort((a, b) =>
    a.localeCompare(b),
  );
  return connection(
    distinct,
    args as ConnectionArgs,
    (value) => value,
    (value) => value,
  );
}

export const productResolvers: ResolverModule = {
  query: {
    products: (args, context) => {
      requireScope(context, "read_products");
      const products = searchProducts(context, args.query, args.sortKey);
      return connection(
        products,
        args as ConnectionArgs,
        (product) => product.id,
        (product) => productView(context, product),
      );
    },
    productsCount: (args, context) => {
      requireScope(context, "read_products");
      const count = searchProducts(context, args.query).length;
      const limit = args.limit === undefined ? 10_000 : args.limit;
      return {
        __typename: "Count",
        count: limit === null ? count : Math.min(count, limit),
        precision: limit !== null && count > limit ? "AT_LEAST" : "EXACT",
      };
    },
    // The shop's distinct vendors and product types, alphabetically, as a StringConnection.
    productVendors: (args, context) => {
      requireScope(context, "read_products");
      return distinctStrings(
        context.shop.products.map((product) => product.vendor),
        args,
      );
    },
    productTypes: (args, context) => {
      requireScope(context, "read_products");
      return distinctStrings(
        context.shop.products.map((product) => product.productType),
        args,
      );
    },
    product: ({ id }, context) => {
      requireScope(context, "read_products");
      const parsed = parseGid(id, "Product");
      const product =
        parsed && context.shop.products.find((candidate) => candidate.id === parsed.id);
      return product ? productView(context, product) : null;
    },
    productByIdentifier: ({ identifier }, context) => {
      requireScope(context, "read_products");
      const { id, handle } = identifier as { id?: string; handle?: string };
      const parsed = id ? parseGid(id, "Product") : null;
      const product = context.shop.products.find((candidate) =>
        parsed ? candidate.id === parsed.id : candidate.handle === handle,
      );
      return product ? productView(context, product) : null;
    },
  },
};
