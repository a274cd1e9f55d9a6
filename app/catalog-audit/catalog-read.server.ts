/**
 * The whole catalog as the audit needs it: every product with its handle and every image with
 * alt text, size and file size. The job's reader (app/shopify/catalog.server.ts) does not ask for
 * handles or file sizes, and asking for them there would push its 50-product pages past
 * Shopify's 1,000-point query ceiling; so the audit reads smaller pages of its own and sorts media
 * with that module's `classifyMedia`, the one rule for which media are photos.
 */
import {
  classifyMedia,
  matchesMoreThan,
  runBulkQuery,
  type BulkWaitOptions,
  type CatalogMedia,
} from "../shopify/catalog.server.ts";
import type { AdminClient } from "../shopify/admin-types.ts";

export interface ReadImage {
  mediaId: string;
  url: string;
  alt: string | null;
  width: number | null;
  height: number | null;
  bytes: number | null;
}

export interface ReadProduct {
  id: string;
  title: string;
  handle: string;
  productType: string;
  vendor: string;
  images: ReadImage[];
}

/** Products per page; with FIRST_MEDIA media each (3 objects per medium) about 850 points. */
const PRODUCTS_PER_PAGE = 25;
const FIRST_MEDIA = 10;
const MEDIA_PER_PAGE = 50;

const AUDIT_MEDIA_FRAGMENT = `#graphql
  fragment PhotoStudioAuditMedia on Media {
  id
  alt
  mediaContentType
  status
  ... on MediaImage {
    mimeType
    image {
      url
      width
      height
    }
    originalSource {
      fileSize
    }
  }
  }
`;

const AUDIT_PRODUCTS_QUERY = `#graphql
  query PhotoStudioAuditProducts($first: Int!, $after: String, $mediaFirst: Int!) {
    products(first: $first, after: $after, sortKey: ID) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        title
        handle
        productType
        vendor
        media(first: $mediaFirst) {
          pageInfo {
            hasNextPage
            endCursor
          }
          nodes {
            ...PhotoStudioAuditMedia
          }
        }
      }
    }
  }
  ${AUDIT_MEDIA_FRAGMENT}
`;

const AUDIT_MEDIA_QUERY = `#graphql
  query PhotoStudioAuditProductMedia($id: ID!, $first: Int!, $after: String) {
    product(id: $id) {
      media(first: $first, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          ...PhotoStudioAuditMedia
        }
      }
    }
  }
  ${AUDIT_MEDIA_FRAGMENT}
`;

/**
 * The whole catalog in one bulk export, for catalogs past BULK_THRESHOLD products: Shopify runs it
 * in the background without rate limits (https://shopify.dev/docs/api/usage/bulk-operations/queries).
 * Bulk queries take no fragments, so the media fields are written out.
 */
const AUDIT_EXPORT_QUERY = `#graphql
  query PhotoStudioAuditExport {
    products(sortKey: ID) {
      edges {
        node {
          id
          title
          handle
          productType
          vendor
          media {
            edges {
              node {
                id
                alt
                mediaContentType
                status
                ... on MediaImage {
                  mimeType
                  image {
                    url
                    width
                    height
                  }
                  originalSource {
                    fileSize
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;

/** Catalogs larger than this are read with a bulk export rather than page by page. */
export const BULK_THRESHOLD = 250;

export interface ReadOptions {
  signal?: AbortSignal;
  bulkThreshold?: number;
  bulk?: BulkWaitOptions;
}

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

type AuditMedia = CatalogMedia & { originalSource?: { fileSize: number | string | null } | null };

interface MediaPage {
  pageInfo: PageInfo;
  nodes: AuditMedia[];
}

interface ProductNode {
  id: string;
  title: string;
  handle: string;
  productType: string;
  vendor: string;
  media: MediaPage;
}

async function restOfMedia(admin: AdminClient, id: string, page: PageInfo, signal?: AbortSignal) {
  const media: AuditMedia[] = [];
  let info = page;
  while (info.hasNextPage && info.endCursor) {
    const data = await admin.request<{ product: { media: MediaPage } | null }>(AUDIT_MEDIA_QUERY, {
      variables: { id, first: MEDIA_PER_PAGE, after: info.endCursor },
      signal,
      estimatedCost: 4 + MEDIA_PER_PAGE * 3,
    });
    if (!data.product) break;
    media.push(...data.product.media.nodes);
    info = data.product.media.pageInfo;
  }
  return media;
}

function toProduct(node: ProductNode, media: AuditMedia[]): ReadProduct {
  const images: ReadImage[] = [];
  media.forEach((medium, position) => {
    // Videos, 3D models and images Shopify failed or is still processing are not photos to audit.
    const sorted = classifyMedia(node, medium, position);
    if (!("image" in sorted)) return;
    const size = medium.originalSource?.fileSize;
    images.push({
      mediaId: sorted.image.mediaId,
      url: sorted.image.url,
      alt: sorted.image.alt,
      width: sorted.image.width,
      height: sorted.image.height,
      bytes: size === null || size === undefined ? null : Number(size),
    });
  });
  return {
    id: node.id,
    title: node.title,
    handle: node.handle,
    productType: node.productType,
    vendor: node.vendor,
    images,
  };
}

type ExportLine = Partial<ProductNode> & Partial<AuditMedia> & { __parentId?: string };

/** The bulk export's JSONL: a line per product, then lines per medium naming it in __parentId. */
async function readExport(url: string, signal: AbortSignal | undefined) {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`The catalog export answered HTTP ${response.status}`);
  const products: ProductNode[] = [];
  const media = new Map<string, AuditMedia[]>();
  for (const text of (await response.text()).split("\n")) {
    if (!text.trim()) continue;
    const line = JSON.parse(text) as ExportLine;
    if (line.__parentId) {
      const siblings = media.get(line.__parentId) ?? [];
      siblings.push(line as AuditMedia);
      media.set(line.__parentId, siblings);
    } else {
      products.push(line as ProductNode);
    }
  }
  return products.map((product) => toProduct(product, media.get(product.id) ?? []));
}

/**
 * Reads the catalog a page at a time, handing each page to `onPage` before the next is asked; a
 * catalog past the bulk threshold is exported in one go and handed over in pages all the same.
 */
export async function readCatalogPages(
  admin: AdminClient,
  onPage: (products: ReadProduct[]) => Promise<void>,
  options: ReadOptions = {},
): Promise<void> {
  const { signal } = options;
  const threshold = options.bulkThreshold ?? BULK_THRESHOLD;
  if (await matchesMoreThan(admin, "", threshold, signal)) {
    const bulkQuery = AUDIT_EXPORT_QUERY.replace("#graphql", "").trim();
    const url = await runBulkQuery(admin, bulkQuery, options.bulk, signal);
    const products = url ? await readExport(url, signal) : [];
    for (let start = 0; start < products.length; start += PRODUCTS_PER_PAGE) {
      await onPage(products.slice(start, start + PRODUCTS_PER_PAGE));
    }
    return;
  }
  let after: string | null = null;
  do {
    const data: { products: { pageInfo: PageInfo; nodes: ProductNode[] } } = await admin.request(
      AUDIT_PRODUCTS_QUERY,
      {
        variables: { first: PRODUCTS_PER_PAGE, after, mediaFirst: FIRST_MEDIA },
        signal,
        estimatedCost: 3 + PRODUCTS_PER_PAGE * (4 + FIRST_MEDIA * 3),
      },
    );
    const page: ReadProduct[] = [];
    for (const node of data.products.nodes) {
      const more = await restOfMedia(admin, node.id, node.media.pageInfo, signal);
      page.push(toProduct(node, [...node.media.nodes, ...more]));
    }
    await onPage(page);
    after = data.products.pageInfo.hasNextPage ? data.products.pageInfo.endCursor : null;
  } while (after);
}
