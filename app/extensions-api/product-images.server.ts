/**
 * How many images each selected product has, asked of the Admin API when a job is started from an
 * admin extension: the extension's own count could be stale (another tab, another staff member),
 * and a product without images would only be skipped later, after credits were held for it.
 */
import type { AdminClient } from "../shopify/admin-types.ts";

const PRODUCT_IMAGE_COUNTS = `#graphql
  query PhotoStudioExtensionProductImages($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Product {
        id
        title
        media(first: 250) {
          nodes {
            mediaContentType
          }
        }
      }
    }
  }
`;

/** Admin API `nodes` takes at most 250 ids per query. */
const PAGE = 250;

export interface ProductImages {
  id: string;
  title: string;
  images: number;
}

interface NodesAnswer {
  nodes: Array<{
    id?: string;
    title?: string;
    media?: { nodes: Array<{ mediaContentType: string }> };
  } | null>;
}

/** Products in the order asked; an id that is not a product of this shop is left out. */
export async function productImages(
  admin: AdminClient,
  productIds: string[],
): Promise<ProductImages[]> {
  const found: ProductImages[] = [];
  for (let start = 0; start < productIds.length; start += PAGE) {
    const ids = productIds.slice(start, start + PAGE);
    const data = await admin.request<NodesAnswer>(PRODUCT_IMAGE_COUNTS, { variables: { ids } });
    for (const node of data?.nodes ?? []) {
      if (!node?.id) continue;
      found.push({
        id: node.id,
        title: node.title ?? "",
        images: (node.media?.nodes ?? []).filter((m) => m.mediaContentType === "IMAGE").length,
      });
    }
  }
  return found;
}
