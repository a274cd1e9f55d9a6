/**
 * The selected products as the merchant sees them (title, first image, how many images), read
 * with the extension's direct Admin API access. The backend checks again when a job starts.
 */
import { host } from "./host";

export interface SelectedProduct {
  id: string;
  title: string;
  imageCount: number;
  thumbnail: { url: string; alt: string } | null;
}

export const SELECTED_PRODUCTS = `#graphql
  query PhotoStudioSelectedProducts($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Product {
        id
        title
        mediaCount {
          count
        }
        featuredMedia {
          preview {
            image {
              url(transform: { maxWidth: 120, maxHeight: 120 })
              altText
            }
          }
        }
      }
    }
  }
`;

/** Keeps each query well under the Admin API's cost limit. */
const PAGE = 50;

interface ProductNode {
  id?: string;
  title?: string;
  mediaCount?: { count: number } | null;
  featuredMedia?: { preview?: { image?: { url: string; altText: string | null } | null } } | null;
}

export async function loadSelectedProducts(ids: string[]): Promise<SelectedProduct[]> {
  const products: SelectedProduct[] = [];
  for (let start = 0; start < ids.length; start += PAGE) {
    const result = await host().query<{ nodes: Array<ProductNode | null> }>(SELECTED_PRODUCTS, {
      variables: { ids: ids.slice(start, start + PAGE) },
    });
    if (result.errors?.length) throw new Error(result.errors[0]!.message);
    for (const node of result.data?.nodes ?? []) {
      if (!node?.id) continue;
      const image = node.featuredMedia?.preview?.image;
      products.push({
        id: node.id,
        title: node.title ?? "",
        imageCount: node.mediaCount?.count ?? 0,
        thumbnail: image ? { url: image.url, alt: image.altText || node.title || "" } : null,
      });
    }
  }
  return products;
}
