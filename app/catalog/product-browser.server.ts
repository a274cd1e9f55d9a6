/**
 * The Products page's view of the catalog: a search with filters written in Shopify's search
 * syntax (https://shopify.dev/docs/api/usage/search-syntax), 25 products a page with cursors both
 * ways, each product with its thumbnail, image count and the facts the two image filters need.
 *
 * Shopify's search knows product type, vendor and status, but not what the images look like. The
 * image filters ("has no white-background image", "images under 1000 px") are applied here, to the
 * products Shopify returns: a page is filled by reading on through the catalog, up to
 * SCAN_LIMIT products per request. When that limit stops the scan before the page is full, the
 * result says so (`scanLimited`) and its next cursor continues where the scan stopped, so nothing
 * is skipped and the page can tell the merchant honestly which products were looked at.
 */
import type { PrismaClient } from "@prisma/client";

import type { AdminClient } from "../shopify/admin-types.ts";

import {
  IMAGES_PER_PRODUCT,
  PAGE_SIZE,
  SCAN_LIMIT,
  SMALL_IMAGE_PX,
  type ProductStatusFilter,
} from "./browse-options.ts";
import { imageFacts, type ImageFactsDeps, type ImageRef } from "./image-facts.server.ts";

export {
  IMAGES_PER_PRODUCT,
  PAGE_SIZE,
  PRODUCT_STATUSES,
  SCAN_LIMIT,
  SMALL_IMAGE_PX,
} from "./browse-options.ts";

export interface ProductFilters {
  text?: string;
  productType?: string;
  vendor?: string;
  status?: ProductStatusFilter;
  /** Products none of whose images has a white background. */
  noWhiteBackground?: boolean;
  /** Products with at least one image under SMALL_IMAGE_PX on its longest side. */
  smallImages?: boolean;
}

export type PageRequest = { after?: string | null; before?: string | null };

export interface BrowsedImage {
  mediaId: string;
  url: string;
  width: number | null;
  height: number | null;
}

export interface BrowsedProduct {
  id: string;
  title: string;
  status: "ACTIVE" | "DRAFT" | "ARCHIVED";
  productType: string;
  vendor: string;
  thumbnail: { url: string; alt: string } | null;
  imageCount: number;
  /** More images than were read (IMAGES_PER_PRODUCT). */
  moreImages: boolean;
  /** Images under SMALL_IMAGE_PX on their longest side, among those read. */
  smallImageCount: number;
  /**
   * Whether any image has a white background: known only when the white-background filter asked
   * (it costs a look at the pixels); null when not looked at or not every image could be.
   */
  hasWhiteBackground: boolean | null;
}

export interface ProductPage {
  products: BrowsedProduct[];
  /** Cursor for the next page, or null at the end. */
  nextCursor: string | null;
  /** Cursor for the previous page, or null at the start. */
  previousCursor: string | null;
  /** Products Shopify returned and the image filters looked at for this page. */
  scanned: number;
  /** The scan limit stopped the page before it was full; the next cursor reads on. */
  scanLimited: boolean;
  /** Products whose images could not all be looked at, so the white filter left them out. */
  unchecked: number;
}

// --- Admin API documents ----------------------------------------------------------------------

/** What the browser shows of a product; $imagesFirst is each query's own variable. */
const BROWSED_PRODUCT_FIELDS = `#graphql
  fragment PhotoStudioBrowsedProduct on Product {
    id
    title
    status
    productType
    vendor
    featuredMedia {
      alt
      preview {
        image {
          url(transform: { maxWidth: 120, maxHeight: 120 })
        }
      }
    }
    media(first: $imagesFirst, query: "media_type:IMAGE") {
      pageInfo {
        hasNextPage
      }
      nodes {
        id
        ... on MediaImage {
          image {
            url
            width
            height
          }
        }
      }
    }
  }
`;

const PRODUCT_BROWSER_QUERY = `#graphql
  query PhotoStudioProductBrowser(
    $query: String
    $first: Int
    $last: Int
    $after: String
    $before: String
    $imagesFirst: Int!
  ) {
    products(
      first: $first
      last: $last
      after: $after
      before: $before
      query: $query
      sortKey: TITLE
    ) {
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      edges {
        cursor
        node {
          ...PhotoStudioBrowsedProduct
        }
      }
    }
  }
  ${BROWSED_PRODUCT_FIELDS}
`;

const PRODUCTS_BY_ID_QUERY = `#graphql
  query PhotoStudioProductBrowserByIds($ids: [ID!]!, $imagesFirst: Int!) {
    nodes(ids: $ids) {
      __typename
      ...PhotoStudioBrowsedProduct
    }
  }
  ${BROWSED_PRODUCT_FIELDS}
`;

const PRODUCT_COUNT_QUERY = `#graphql
  query PhotoStudioProductBrowserCount($query: String) {
    productsCount(query: $query, limit: 10000) {
      count
      precision
    }
  }
`;

const PRODUCT_FACETS_QUERY = `#graphql
  query PhotoStudioProductFacets {
    productVendors(first: 250) {
      nodes
    }
    productTypes(first: 250) {
      nodes
    }
  }
`;

// --- Response shapes --------------------------------------------------------------------------

interface ProductNode {
  id: string;
  title: string;
  status: BrowsedProduct["status"];
  productType: string;
  vendor: string;
  featuredMedia: { alt: string | null; preview: { image: { url: string } | null } | null } | null;
  media: {
    pageInfo: { hasNextPage: boolean };
    nodes: Array<{
      id: string;
      image?: { url: string; width: number | null; height: number | null } | null;
    }>;
  };
}

interface ProductsResponse {
  products: {
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
    edges: Array<{ cursor: string; node: ProductNode }>;
  };
}

// --- Search syntax ----------------------------------------------------------------------------

/** A value as a quoted search term; quotes and backslashes inside would end it early. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, " ").trim()}"`;
}

/** The Shopify search for the filters Shopify itself can apply. */
export function productSearchQuery(filters: ProductFilters): string {
  const terms: string[] = [];
  const text = filters.text?.trim();
  if (text) terms.push(text);
  if (filters.productType) terms.push(`product_type:${quoted(filters.productType)}`);
  if (filters.vendor) terms.push(`vendor:${quoted(filters.vendor)}`);
  if (filters.status) terms.push(`status:${filters.status}`);
  return terms.join(" ");
}

// --- Reading ----------------------------------------------------------------------------------

function imagesOf(node: ProductNode): BrowsedImage[] {
  return node.media.nodes.flatMap((medium) =>
    medium.image
      ? [
          {
            mediaId: medium.id,
            url: medium.image.url,
            width: medium.image.width,
            height: medium.image.height,
          },
        ]
      : [],
  );
}

function isSmall(image: BrowsedImage): boolean {
  if (image.width === null || image.height === null) return false;
  return Math.max(image.width, image.height) < SMALL_IMAGE_PX;
}

function toProduct(node: ProductNode, hasWhiteBackground: boolean | null): BrowsedProduct {
  const images = imagesOf(node);
  const thumbnail = node.featuredMedia?.preview?.image?.url;
  return {
    id: node.id,
    title: node.title,
    status: node.status,
    productType: node.productType,
    vendor: node.vendor,
    thumbnail: thumbnail ? { url: thumbnail, alt: node.featuredMedia?.alt || node.title } : null,
    imageCount: images.length,
    moreImages: node.media.pageInfo.hasNextPage,
    smallImageCount: images.filter(isSmall).length,
    hasWhiteBackground,
  };
}

export interface BrowseDeps {
  admin: AdminClient;
  db: PrismaClient;
  download?: ImageFactsDeps["download"];
}

async function fetchProducts(
  admin: AdminClient,
  query: string,
  direction: "forward" | "backward",
  cursor: string | null,
  size: number,
): Promise<ProductsResponse["products"]> {
  const data = await admin.request<ProductsResponse>(PRODUCT_BROWSER_QUERY, {
    variables: {
      query: query || null,
      imagesFirst: IMAGES_PER_PRODUCT,
      ...(direction === "forward"
        ? { first: size, after: cursor }
        : { last: size, before: cursor }),
    },
    estimatedCost: 4 + size * (6 + IMAGES_PER_PRODUCT),
  });
  return data.products;
}

/**
 * Whether each product has a white-background image: true if any image has, false if none has
 * (every image looked at), null if some image could not be looked at.
 */
async function whiteBackgrounds(
  deps: BrowseDeps,
  shop: string,
  nodes: ProductNode[],
): Promise<Map<string, boolean | null>> {
  const refs: ImageRef[] = nodes.flatMap((node) =>
    imagesOf(node).map((image) => ({ productId: node.id, ...image })),
  );
  const facts = await imageFacts({ db: deps.db, download: deps.download }, shop, refs);
  const result = new Map<string, boolean | null>();
  for (const node of nodes) {
    const answers = imagesOf(node).map((image) => facts.get(image.mediaId)?.whiteBackground);
    if (answers.some((answer) => answer === true)) result.set(node.id, true);
    else if (answers.every((answer) => answer === false)) result.set(node.id, false);
    else result.set(node.id, null);
  }
  return result;
}

/** One page of the catalog for the Products page. */
export async function browseProducts(
  deps: BrowseDeps,
  shop: string,
  filters: ProductFilters,
  page: PageRequest = {},
  options: { scanLimit?: number } = {},
): Promise<ProductPage> {
  const scanLimit = options.scanLimit ?? SCAN_LIMIT;
  const query = productSearchQuery(filters);
  const imageFiltered = Boolean(filters.noWhiteBackground || filters.smallImages);
  const backward = Boolean(page.before) && !page.after;
  const direction = backward ? "backward" : "forward";

  if (!imageFiltered) {
    const products = await fetchProducts(
      deps.admin,
      query,
      direction,
      (backward ? page.before : page.after) ?? null,
      PAGE_SIZE,
    );
    return {
      products: products.edges.map((edge) => toProduct(edge.node, null)),
      nextCursor: products.pageInfo.hasNextPage ? products.pageInfo.endCursor : null,
      previousCursor: products.pageInfo.hasPreviousPage ? products.pageInfo.startCursor : null,
      scanned: products.edges.length,
      scanLimited: false,
      unchecked: 0,
    };
  }

  // Reads on (or back) through the catalog until the page is full, the catalog ends, or the
  // scan limit is reached; matches are kept in catalog order.
  const matches: Array<{ cursor: string; product: BrowsedProduct }> = [];
  let cursor = (backward ? page.before : page.after) ?? null;
  let scanned = 0;
  let unchecked = 0;
  let moreInCatalog = true;
  let lastExamined: string | null = null;
  let stoppedEarly = false;
  while (matches.length < PAGE_SIZE && scanned < scanLimit && moreInCatalog) {
    const products = await fetchProducts(deps.admin, query, direction, cursor, PAGE_SIZE);
    const edges = backward ? [...products.edges].reverse() : products.edges;
    const white = filters.noWhiteBackground
      ? await whiteBackgrounds(
          deps,
          shop,
          edges.map((edge) => edge.node),
        )
      : new Map<string, boolean | null>();
    moreInCatalog = backward ? products.pageInfo.hasPreviousPage : products.pageInfo.hasNextPage;
    cursor = backward ? products.pageInfo.startCursor : products.pageInfo.endCursor;
    for (const [index, edge] of edges.entries()) {
      scanned += 1;
      lastExamined = edge.cursor;
      const hasWhite = white.get(edge.node.id) ?? null;
      const product = toProduct(edge.node, filters.noWhiteBackground ? hasWhite : null);
      let keep = true;
      if (filters.smallImages && product.smallImageCount === 0) keep = false;
      if (filters.noWhiteBackground) {
        // A product without images has nothing to edit; one whose images could not all be looked
        // at is left out rather than guessed, and counted so the page can say so.
        if (product.imageCount === 0 || hasWhite === true) keep = false;
        else if (hasWhite === null) {
          keep = false;
          unchecked += 1;
        }
      }
      if (keep) matches.push({ cursor: edge.cursor, product });
      if (matches.length === PAGE_SIZE) {
        stoppedEarly = index < edges.length - 1 || moreInCatalog;
        break;
      }
    }
  }
  if (backward) matches.reverse();

  const full = matches.length === PAGE_SIZE;
  const scanLimited = !full && moreInCatalog;
  let nextCursor: string | null;
  let previousCursor: string | null;
  if (!backward) {
    // Full page: the next page starts after its last match. Limited scan: after the last product
    // looked at, so the merchant reads on instead of looking at the same products again.
    nextCursor = full
      ? stoppedEarly
        ? matches.at(-1)!.cursor
        : null
      : scanLimited
        ? lastExamined
        : null;
    previousCursor = page.after ? (matches[0]?.cursor ?? page.after) : null;
  } else {
    previousCursor = full
      ? stoppedEarly
        ? matches[0]!.cursor
        : null
      : scanLimited
        ? lastExamined
        : null;
    nextCursor = matches.at(-1)?.cursor ?? page.before ?? null;
  }
  return {
    products: matches.map((match) => match.product),
    nextCursor,
    previousCursor,
    scanned,
    scanLimited,
    unchecked,
  };
}

/** The given products (ids that are not, or no longer, products are left out), in the given order. */
export async function productsByIds(admin: AdminClient, ids: string[]): Promise<BrowsedProduct[]> {
  const products: BrowsedProduct[] = [];
  for (let start = 0; start < ids.length; start += 50) {
    const chunk = ids.slice(start, start + 50);
    const data = await admin.request<{
      nodes: Array<(ProductNode & { __typename: string }) | null>;
    }>(PRODUCTS_BY_ID_QUERY, {
      variables: { ids: chunk, imagesFirst: IMAGES_PER_PRODUCT },
      estimatedCost: 1 + chunk.length * (6 + IMAGES_PER_PRODUCT),
    });
    for (const node of data.nodes) {
      if (node?.__typename === "Product") products.push(toProduct(node, null));
    }
  }
  return products;
}

/** How many products a search matches (exact up to 10,000). */
export async function countProducts(
  admin: AdminClient,
  query: string,
): Promise<{ count: number; exact: boolean }> {
  const data = await admin.request<{
    productsCount: { count: number; precision: "EXACT" | "AT_LEAST" } | null;
  }>(PRODUCT_COUNT_QUERY, { variables: { query: query || null }, estimatedCost: 1 });
  return {
    count: data.productsCount?.count ?? 0,
    exact: data.productsCount?.precision !== "AT_LEAST",
  };
}

export interface ProductFacets {
  vendors: string[];
  productTypes: string[];
}

/** The shop's vendors and product types, for the filters' choices (the first 250 of each). */
export async function productFacets(admin: AdminClient): Promise<ProductFacets> {
  const data = await admin.request<{
    productVendors: { nodes: string[] } | null;
    productTypes: { nodes: string[] } | null;
  }>(PRODUCT_FACETS_QUERY, { estimatedCost: 10 });
  const clean = (values: string[] | undefined) =>
    [...new Set((values ?? []).filter((value) => value.trim() !== ""))].sort((a, b) =>
      a.localeCompare(b),
    );
  return {
    vendors: clean(data.productVendors?.nodes),
    productTypes: clean(data.productTypes?.nodes),
  };
}
