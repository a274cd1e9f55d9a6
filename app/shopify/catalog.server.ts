/**
 * Which product images a bulk job works on: the merchant's selection (products picked by id, or a
 * product search) read from the Admin API as one list of source images, plus a list of what was
 * left out and why. Nothing is dropped silently: a video, a 3D model, an image Shopify failed to
 * process or a deleted product each come back in `skipped` with a reason a merchant understands.
 *
 * Small selections are read page by page (`nodes(ids:)` in chunks, `products(query:)` with
 * cursors, every product's media to its end). A search matching more than `bulkThreshold`
 * products is exported with a bulk query instead, which Shopify runs without rate limits in the
 * background: https://shopify.dev/docs/api/usage/bulk-operations/queries
 */
import type { AdminClient } from "./admin-types.ts";

export type ProductSelection = { productIds: string[] } | { query: string };

export interface SourceImage {
  productId: string;
  productTitle: string;
  productType: string;
  vendor: string;
  mediaId: string;
  url: string;
  alt: string | null;
  /** 0-based place among all of the product's media (videos and 3D models count). */
  position: number;
  width: number | null;
  height: number | null;
  mimeType?: string;
}

export type SkipCode =
  | "invalid_product_id"
  | "product_not_found"
  | "no_media"
  | "video"
  | "external_video"
  | "model_3d"
  | "media_failed"
  | "media_processing"
  | "media_unavailable";

export interface SkippedMedia {
  productId: string;
  mediaId?: string;
  code: SkipCode;
  reason: string;
}

export interface SelectedImages {
  images: SourceImage[];
  skipped: SkippedMedia[];
}

export interface BulkWaitOptions {
  /** First wait between two looks at the operation; it grows by half each time. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  /** How long to wait for a free place and for the export to finish, together. */
  timeoutMs?: number;
}

export interface ListImagesOptions {
  /** A search matching more products than this is exported with a bulk query. */
  bulkThreshold?: number;
  /** Always use a bulk query for a search (product ids are always read page by page). */
  useBulk?: boolean;
  signal?: AbortSignal;
  bulk?: BulkWaitOptions;
}

export type CatalogErrorCode =
  "invalid_selection" | "access_denied" | "export_failed" | "export_busy" | "export_timeout";

export class CatalogError extends Error {
  override name = "CatalogError";
  readonly code: CatalogErrorCode;
  readonly retryable: boolean;
  constructor(
    code: CatalogErrorCode,
    message: string,
    options: { retryable: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable;
  }
}

export const DEFAULT_BULK_THRESHOLD = 250;
/** Products per request: `nodes(ids:)` chunks and `products` pages. */
const PRODUCTS_PER_PAGE = 50;
/**
 * Media read with each product. Most products have a few; the rest are read in pages of
 * MEDIA_PER_PAGE. Kept small so 50 products with their first media cost about 800 points, under
 * Shopify's 1,000-point ceiling for one query even if every id counts in full.
 */
const FIRST_MEDIA = 6;
const MEDIA_PER_PAGE = 100;
const PRODUCT_GID = /^gid:\/\/shopify\/Product\/\d+$/;

const BULK_DEFAULTS: Required<BulkWaitOptions> = {
  pollIntervalMs: 1_000,
  maxPollIntervalMs: 15_000,
  timeoutMs: 20 * 60_000,
};

// --- Admin API documents ----------------------------------------------------------------------

const PRODUCTS_BY_ID_QUERY = `#graphql
  query PhotoStudioCatalogProductsById($ids: [ID!]!, $mediaFirst: Int!) {
    nodes(ids: $ids) {
      __typename
      ... on Product {
        id
        title
        productType
        vendor
        media(first: $mediaFirst) {
          pageInfo {
            hasNextPage
            endCursor
          }
          nodes {
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
            }
          }
        }
      }
    }
  }
`;

const PRODUCTS_PAGE_QUERY = `#graphql
  query PhotoStudioCatalogProductsPage(
    $query: String
    $first: Int!
    $after: String
    $mediaFirst: Int!
  ) {
    products(first: $first, after: $after, query: $query, sortKey: ID) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        title
        productType
        vendor
        media(first: $mediaFirst) {
          pageInfo {
            hasNextPage
            endCursor
          }
          nodes {
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
            }
          }
        }
      }
    }
  }
`;

const PRODUCT_MEDIA_QUERY = `#graphql
  query PhotoStudioCatalogProductMedia($id: ID!, $first: Int!, $after: String) {
    product(id: $id) {
      id
      media(first: $first, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
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
          }
        }
      }
    }
  }
`;

const PRODUCTS_COUNT_QUERY = `#graphql
  query PhotoStudioCatalogCount($query: String, $limit: Int) {
    productsCount(query: $query, limit: $limit) {
      count
      precision
    }
  }
`;

/**
 * The bulk export. Bulk queries take no variables, so the search is written into the document in
 * place of SELECTION_PLACEHOLDER (as a JSON string, which is a valid GraphQL string literal).
 */
const BULK_EXPORT_QUERY = `#graphql
  query PhotoStudioCatalogExport {
    products(query: "PHOTO_STUDIO_SELECTION", sortKey: ID) {
      edges {
        node {
          id
          title
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
                }
              }
            }
          }
        }
      }
    }
  }
`;
const SELECTION_PLACEHOLDER = '"PHOTO_STUDIO_SELECTION"';

const BULK_RUN_MUTATION = `#graphql
  mutation PhotoStudioCatalogExportStart($query: String!) {
    bulkOperationRunQuery(query: $query) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

/** The app's newest operations; the running ones are among them (at most five run at once). */
const RECENT_BULK_OPERATIONS_QUERY = `#graphql
  query PhotoStudioCatalogRecentExports {
    bulkOperations(first: 25, sortKey: CREATED_AT) {
      nodes {
        id
        status
        type
        query
      }
    }
  }
`;

const BULK_OPERATION_QUERY = `#graphql
  query PhotoStudioCatalogExportStatus($id: ID!) {
    bulkOperation(id: $id) {
      id
      status
      errorCode
      url
    }
  }
`;

// --- Response shapes --------------------------------------------------------------------------

type MediaContentType = "IMAGE" | "VIDEO" | "EXTERNAL_VIDEO" | "MODEL_3D";
type MediaStatus = "UPLOADED" | "PROCESSING" | "READY" | "FAILED";

/** One product medium as the documents above read it (the bulk export too). */
export interface CatalogMedia {
  id: string;
  alt: string | null;
  mediaContentType: MediaContentType;
  status: MediaStatus;
  mimeType?: string | null;
  image?: { url: string; width: number | null; height: number | null } | null;
}

export interface CatalogProduct {
  id: string;
  title: string;
  productType: string;
  vendor: string;
}

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

interface MediaPage {
  pageInfo: PageInfo;
  nodes: CatalogMedia[];
}

type ProductWithMedia = CatalogProduct & { media: MediaPage };

interface BulkOperation {
  id: string;
  status: "CREATED" | "RUNNING" | "COMPLETED" | "CANCELING" | "CANCELED" | "FAILED" | "EXPIRED";
  errorCode?: "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT" | null;
  url?: string | null;
  type?: string;
  query?: string;
}

// --- Sorting media into images and skips ------------------------------------------------------

const PHOTOS_ONLY = "Photo Studio edits photos only";

/** Whether a product medium is an image Photo Studio can work on, and if not, why. */
export function classifyMedia(
  product: CatalogProduct,
  media: CatalogMedia,
  position: number,
): { image: SourceImage } | { skipped: SkippedMedia } {
  const skip = (code: SkipCode, reason: string) => ({
    skipped: { productId: product.id, mediaId: media.id, code, reason },
  });
  switch (media.mediaContentType) {
    case "VIDEO":
      return skip("video", `This is a video; ${PHOTOS_ONLY}.`);
    case "EXTERNAL_VIDEO":
      return skip("external_video", `This is a YouTube or Vimeo video; ${PHOTOS_ONLY}.`);
    case "MODEL_3D":
      return skip("model_3d", `This is a 3D model; ${PHOTOS_ONLY}.`);
    case "IMAGE":
      break;
    default:
      return skip("media_unavailable", `This is not a photo; ${PHOTOS_ONLY}.`);
  }
  if (media.status === "FAILED") {
    return skip(
      "media_failed",
      "Shopify could not process this image, so there is no photo to edit. Replace it in your Shopify admin, then select it again.",
    );
  }
  if (media.status !== "READY") {
    return skip(
      "media_processing",
      "Shopify is still processing this image. Select it again in a few minutes.",
    );
  }
  if (!media.image?.url) {
    return skip("media_unavailable", "Shopify has no file for this image right now.");
  }
  return {
    image: {
      productId: product.id,
      productTitle: product.title,
      productType: product.productType,
      vendor: product.vendor,
      mediaId: media.id,
      url: media.image.url,
      alt: media.alt || null,
      position,
      width: media.image.width ?? null,
      height: media.image.height ?? null,
      ...(media.mimeType ? { mimeType: media.mimeType } : {}),
    },
  };
}

/** Adds a product's media, in order, to the result. */
function addProduct(result: SelectedImages, product: CatalogProduct, media: CatalogMedia[]) {
  if (media.length === 0) {
    result.skipped.push({
      productId: product.id,
      code: "no_media",
      reason: "This product has no images.",
    });
    return;
  }
  media.forEach((medium, position) => {
    const sorted = classifyMedia(product, medium, position);
    if ("image" in sorted) result.images.push(sorted.image);
    else result.skipped.push(sorted.skipped);
  });
}

// --- Page by page -----------------------------------------------------------------------------

/** Rough requested cost of a product with its first media (product, connection, page info, media). */
const PRODUCT_COST = 1 + 2 + 1 + FIRST_MEDIA * 2;

/** All of a product's media: the first page it came with, then the rest page by page. */
async function allMedia(
  admin: AdminClient,
  productId: string,
  first: MediaPage,
  signal: AbortSignal | undefined,
): Promise<CatalogMedia[]> {
  const media = [...first.nodes];
  let page = first.pageInfo;
  while (page.hasNextPage && page.endCursor) {
    const data = await admin.request<{ product: { media: MediaPage } | null }>(
      PRODUCT_MEDIA_QUERY,
      {
        variables: { id: productId, first: MEDIA_PER_PAGE, after: page.endCursor },
        signal,
        estimatedCost: 4 + MEDIA_PER_PAGE * 2,
      },
    );
    // Deleted while being read: what was read so far is all there is.
    if (!data.product) break;
    media.push(...data.product.media.nodes);
    page = data.product.media.pageInfo;
  }
  return media;
}

async function listByIds(
  admin: AdminClient,
  productIds: string[],
  signal: AbortSignal | undefined,
): Promise<SelectedImages> {
  const result: SelectedImages = { images: [], skipped: [] };
  const ids: string[] = [];
  for (const id of new Set(productIds)) {
    if (PRODUCT_GID.test(id)) ids.push(id);
    else {
      result.skipped.push({
        productId: id,
        code: "invalid_product_id",
        reason: "This is not a product of a Shopify store.",
      });
    }
  }
  for (let start = 0; start < ids.length; start += PRODUCTS_PER_PAGE) {
    const chunk = ids.slice(start, start + PRODUCTS_PER_PAGE);
    const data = await admin.request<{
      nodes: Array<(ProductWithMedia & { __typename: string }) | null>;
    }>(PRODUCTS_BY_ID_QUERY, {
      variables: { ids: chunk, mediaFirst: FIRST_MEDIA },
      signal,
      estimatedCost: 1 + chunk.length * PRODUCT_COST,
    });
    for (const [index, id] of chunk.entries()) {
      const node = data.nodes[index];
      if (!node || node.__typename !== "Product") {
        // Another shop's product answers exactly like a deleted one.
        result.skipped.push({
          productId: id,
          code: "product_not_found",
          reason: "This product is no longer in your store (it may have been deleted).",
        });
        continue;
      }
      addProduct(result, node, await allMedia(admin, node.id, node.media, signal));
    }
  }
  return result;
}

async function listBySearch(
  admin: AdminClient,
  query: string,
  signal: AbortSignal | undefined,
): Promise<SelectedImages> {
  const result: SelectedImages = { images: [], skipped: [] };
  let after: string | null = null;
  do {
    const data: { products: { pageInfo: PageInfo; nodes: ProductWithMedia[] } } =
      await admin.request(PRODUCTS_PAGE_QUERY, {
        variables: {
          query: query || null,
          first: PRODUCTS_PER_PAGE,
          after,
          mediaFirst: FIRST_MEDIA,
        },
        signal,
        estimatedCost: 3 + PRODUCTS_PER_PAGE * PRODUCT_COST,
      });
    for (const product of data.products.nodes) {
      addProduct(result, product, await allMedia(admin, product.id, product.media, signal));
    }
    after = data.products.pageInfo.hasNextPage ? data.products.pageInfo.endCursor : null;
  } while (after);
  return result;
}

export async function matchesMoreThan(
  admin: AdminClient,
  query: string,
  threshold: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const data = await admin.request<{ productsCount: { count: number } | null }>(
    PRODUCTS_COUNT_QUERY,
    // Counting stops just past the threshold: all that matters is which side it falls.
    { variables: { query: query || null, limit: threshold + 1 }, signal, estimatedCost: 1 },
  );
  return (data.productsCount?.count ?? 0) > threshold;
}

// --- Bulk export ------------------------------------------------------------------------------

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Polls with a growing pause until `deadline`; false when time ran out. */
async function pause(
  state: { delayMs: number; deadline: number },
  options: Required<BulkWaitOptions>,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  if (Date.now() + state.delayMs > state.deadline) return false;
  await sleep(state.delayMs, signal);
  state.delayMs = Math.min(state.delayMs * 1.5, options.maxPollIntervalMs);
  return true;
}

const RUNNING = new Set(["CREATED", "RUNNING"]);

/**
 * Starts the export, or joins the same export already running for this app: a job retried after
 * a crash or a timeout picks up the operation its first attempt started. When every place is
 * taken (Shopify runs a few bulk queries per app and shop at once), waits for one to free up.
 */
async function startExport(
  admin: AdminClient,
  bulkQuery: string,
  state: { delayMs: number; deadline: number },
  options: Required<BulkWaitOptions>,
  signal: AbortSignal | undefined,
): Promise<string> {
  for (;;) {
    const recent = await admin.request<{ bulkOperations: { nodes: BulkOperation[] } }>(
      RECENT_BULK_OPERATIONS_QUERY,
      { signal, estimatedCost: 27 },
    );
    const same = recent.bulkOperations.nodes.find(
      (operation) =>
        RUNNING.has(operation.status) &&
        (operation.type ?? "QUERY") === "QUERY" &&
        operation.query === bulkQuery,
    );
    if (same) return same.id;

    const data = await admin.request<{
      bulkOperationRunQuery: {
        bulkOperation: { id: string } | null;
        userErrors: Array<{ message: string; code: string | null }>;
      };
    }>(BULK_RUN_MUTATION, { variables: { query: bulkQuery }, signal, estimatedCost: 10 });
    const { bulkOperation, userErrors } = data.bulkOperationRunQuery;
    if (bulkOperation) return bulkOperation.id;
    if (!userErrors.some((error) => error.code === "OPERATION_IN_PROGRESS")) {
      throw new CatalogError(
        "export_failed",
        `Shopify refused to export the selected products: ${userErrors.map((error) => error.message).join(" ") || "no reason given"}.`,
        { retryable: false, cause: userErrors },
      );
    }
    if (!(await pause(state, options, signal))) {
      throw new CatalogError(
        "export_busy",
        "Shopify is busy with other exports of your catalog. Photo Studio will try again in a few minutes.",
        { retryable: true },
      );
    }
  }
}

async function waitForExport(
  admin: AdminClient,
  id: string,
  state: { delayMs: number; deadline: number },
  options: Required<BulkWaitOptions>,
  signal: AbortSignal | undefined,
): Promise<string | null> {
  for (;;) {
    const { bulkOperation: operation } = await admin.request<{
      bulkOperation: BulkOperation | null;
    }>(BULK_OPERATION_QUERY, { variables: { id }, signal, estimatedCost: 1 });
    switch (operation?.status) {
      case "COMPLETED":
        // No url: the search matched nothing.
        return operation.url ?? null;
      case "FAILED":
        throw exportFailed(operation.errorCode ?? null);
      case undefined:
      case "CANCELING":
      case "CANCELED":
      case "EXPIRED":
        throw new CatalogError(
          "export_failed",
          "The export of your catalog was stopped before it finished. Photo Studio will try again.",
          { retryable: true },
        );
    }
    if (!(await pause(state, options, signal))) {
      // The operation keeps running; the retry joins it (startExport) instead of starting over.
      throw new CatalogError(
        "export_timeout",
        "Shopify is taking a long time to export your catalog. Photo Studio will keep waiting and try again in a few minutes.",
        { retryable: true },
      );
    }
  }
}

function exportFailed(errorCode: BulkOperation["errorCode"]): CatalogError {
  if (errorCode === "ACCESS_DENIED") {
    return new CatalogError(
      "access_denied",
      "Photo Studio is no longer allowed to read your products. Open Photo Studio in your Shopify admin to grant access again.",
      { retryable: false },
    );
  }
  return new CatalogError(
    "export_failed",
    errorCode === "TIMEOUT"
      ? "Shopify took too long to export your catalog. Photo Studio will try again; a smaller selection finishes sooner."
      : "Shopify could not export your catalog just now. Photo Studio will try again.",
    { retryable: true },
  );
}

const downloadFailed = (cause: unknown) =>
  new CatalogError(
    "export_failed",
    "Photo Studio could not download the export of your catalog. It will try again.",
    { retryable: true, cause },
  );

type ExportLine = Partial<CatalogProduct> & Partial<CatalogMedia> & { __parentId?: string };

/**
 * Reads the export's JSONL as it streams in: a line per product, a line per medium naming its
 * product in `__parentId`. Children are matched by that id, not by where their line is, since
 * ungrouped exports do not promise to write a child right after its parent; the media of one
 * product keep their order.
 */
async function readExport(url: string, signal: AbortSignal | undefined): Promise<SelectedImages> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw downloadFailed(error);
  }
  if (!response.ok || !response.body) throw downloadFailed(new Error(`HTTP ${response.status}`));
  const products: CatalogProduct[] = [];
  const media = new Map<string, CatalogMedia[]>();
  const take = (text: string) => {
    if (!text.trim()) return;
    const line = JSON.parse(text) as ExportLine;
    if (line.__parentId) {
      const siblings = media.get(line.__parentId) ?? [];
      siblings.push(line as CatalogMedia);
      media.set(line.__parentId, siblings);
    } else {
      products.push({
        id: String(line.id),
        title: line.title ?? "",
        productType: line.productType ?? "",
        vendor: line.vendor ?? "",
      });
    }
  };
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const lines = (rest + value).split("\n");
      rest = lines.pop() ?? "";
      lines.forEach(take);
    }
    take(rest);
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (signal?.aborted) throw error;
    throw downloadFailed(error);
  }

  const result: SelectedImages = { images: [], skipped: [] };
  for (const product of products) addProduct(result, product, media.get(product.id) ?? []);
  return result;
}

async function exportBySearch(
  admin: AdminClient,
  query: string,
  options: Required<BulkWaitOptions>,
  signal: AbortSignal | undefined,
): Promise<SelectedImages> {
  const bulkQuery = BULK_EXPORT_QUERY.replace("#graphql", "")
    .trim()
    .replace(SELECTION_PLACEHOLDER, JSON.stringify(query));
  const url = await runBulkQuery(admin, bulkQuery, options, signal);
  return url ? readExport(url, signal) : { images: [], skipped: [] };
}

/**
 * Runs a bulk query (or joins the same one already running) and answers the URL of its JSONL, or
 * null when it matched nothing. Shared with the catalog audit, which exports other fields.
 */
export async function runBulkQuery(
  admin: AdminClient,
  bulkQuery: string,
  given: BulkWaitOptions | Required<BulkWaitOptions> = {},
  signal?: AbortSignal,
): Promise<string | null> {
  const options = bulkOptions(given);
  const state = { delayMs: options.pollIntervalMs, deadline: Date.now() + options.timeoutMs };
  const id = await startExport(admin, bulkQuery, state, options, signal);
  return waitForExport(admin, id, state, options, signal);
}

function bulkOptions(given: BulkWaitOptions = {}): Required<BulkWaitOptions> {
  return {
    pollIntervalMs: given.pollIntervalMs ?? BULK_DEFAULTS.pollIntervalMs,
    maxPollIntervalMs: given.maxPollIntervalMs ?? BULK_DEFAULTS.maxPollIntervalMs,
    timeoutMs: given.timeoutMs ?? BULK_DEFAULTS.timeoutMs,
  };
}

// --- Entry point ------------------------------------------------------------------------------

/** The images of the selected products, in product order, and everything left out with why. */
export async function listSelectedImages(
  admin: AdminClient,
  selection: ProductSelection,
  options: ListImagesOptions = {},
): Promise<SelectedImages> {
  const { signal } = options;
  if ("productIds" in selection && Array.isArray(selection.productIds)) {
    return listByIds(admin, selection.productIds.map(String), signal);
  }
  if ("query" in selection && typeof selection.query === "string") {
    const query = selection.query.trim();
    const threshold = options.bulkThreshold ?? DEFAULT_BULK_THRESHOLD;
    const bulk =
      options.useBulk === true || (await matchesMoreThan(admin, query, threshold, signal));
    return bulk
      ? exportBySearch(admin, query, bulkOptions(options.bulk), signal)
      : listBySearch(admin, query, signal);
  }
  throw new CatalogError(
    "invalid_selection",
    "Select products, or search for them, to start a job.",
    { retryable: false },
  );
}
