import { requireScope, type ResolverContext, type ResolverModule } from "../context.ts";
import { parseGid } from "../ids.ts";
import { fileView, productView, shopView, variantView } from "../views.ts";

export const shopResolvers: ResolverModule = {
  query: {
    shop: (_args, context) => shopView(context),
    // `node`/`nodes` for the types the dev store models; other ids resolve to null, as a missing
    // object does in Shopify.
    node: ({ id }, context) => nodeById(context, id as string),
    nodes: ({ ids }, context) => (ids as string[]).map((id) => nodeById(context, id)),
  },
};

function nodeById(context: ResolverContext, id: string) {
  const parsed = parseGid(id);
  if (!parsed) return null;
  if (parsed.type === "Product") {
    requireScope(context, "read_products");
    const product = context.shop.products.find((candidate) => candidate.id === parsed.id);
    return product ? productView(context, product) : null;
  }
  if (parsed.type === "ProductVariant") {
    requireScope(context, "read_products");
    for (const product of context.shop.products) {
      const variant = product.variants.find((candidate) => candidate.id === parsed.id);
      if (variant) return variantView(context, product, variant);
    }
    return null;
  }
  if (parsed.type === "MediaImage" || parsed.type === "GenericFile") {
    requireScope(context, "read_files", "read_products");
    const file = context.shop.files.find(
      (candidate) => candidate.id === parsed.id && candidate.kind === parsed.type,
    );
    return file ? fileView(context, file) : null;
  }
  return null;
}
