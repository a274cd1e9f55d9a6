/**
 * A product's media as Shopify holds them, and the Admin API calls that change them: files
 * (fileCreate, fileUpdate, fileDelete, the `files` search), media order (productReorderMedia and
 * its Job) and variant images (productVariantAppendMedia / productVariantDetachMedia). Each call
 * answers Shopify's userErrors as data; media-write-back.server.ts decides what they mean.
 *
 * Reading files by id and fileUpdate are batched across concurrent callers of a shop
 * (admin-batching.server.ts): a write-back polling for READY or replacing an image shares its
 * request with the others running at the same time.
 * https://shopify.dev/docs/apps/build/online-store/product-media
 */
import { sleep } from "../ai/concurrency.ts";

import { batched, inputIndex, type BatchOutcome } from "./admin-batching.server.ts";
import type { AdminClient } from "./admin-types.ts";

export type MediaStatus = "UPLOADED" | "PROCESSING" | "READY" | "FAILED";

export interface MediaImageView {
  url: string;
  width: number | null;
  height: number | null;
}

export interface ProductMediaItem {
  /** gid://shopify/MediaImage/… for images (videos and 3D models have their own types). */
  id: string;
  /** Zero-based, as productReorderMedia counts. */
  position: number;
  mediaContentType: string;
  alt: string | null;
  status: MediaStatus;
  mimeType: string | null;
  /** "jpg", "png"…: the extension of the name Shopify serves the file under, else from its MIME type. */
  extension: string | null;
  /** Null until the media is READY. */
  image: MediaImageView | null;
}

export interface VariantMediaLinks {
  id: string;
  mediaIds: string[];
}

export interface ProductMediaState {
  productId: string;
  media: ProductMediaItem[];
  variants: VariantMediaLinks[];
}

export interface FileProcessingError {
  code: string;
  message: string;
  details: string | null;
}

export interface FileState {
  id: string;
  status: MediaStatus;
  alt: string | null;
  /** The file's name as its URL shows it (null until Shopify serves it). */
  filename: string | null;
  image: MediaImageView | null;
  errors: FileProcessingError[];
}

/** A userError of the Files or media mutations. */
export interface ShopifyUserError {
  field: string[] | null;
  message: string;
  code: string | null;
}

const EXTENSIONS_BY_MIME: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/heic": "heic",
  "image/avif": "avif",
  "image/tiff": "tiff",
};

/** "photo.JPG" → "jpg"; null when the name has none. */
export function extensionOf(filename: string): string | null {
  const match = /\.([^./]+)$/.exec(filename);
  return match ? match[1]!.toLowerCase() : null;
}

/** The last path segment of a CDN URL, which is the file's name. */
function filenameOfUrl(url: string): string | null {
  try {
    const last = new URL(url).pathname.split("/").filter(Boolean).at(-1);
    return last ? decodeURIComponent(last) : null;
  } catch {
    return null;
  }
}

export function extensionForMimeType(mimeType: string | null | undefined): string | null {
  return (mimeType && EXTENSIONS_BY_MIME[mimeType.toLowerCase()]) || null;
}

// Pages small enough that a product with many variants stays far below the 1,000-point query
// limit: a variants page of 50 with up to 3 media each requests about 300 points.
const PRODUCT_MEDIA_QUERY = `#graphql
  query PhotoStudioProductMedia($id: ID!, $after: String) {
    product(id: $id) {
      id
      media(first: 50, after: $after) {
        nodes {
          id
          alt
          status
          mediaContentType
          ... on MediaImage {
            mimeType
            image {
              url
              width
              height
            }
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

const PRODUCT_VARIANT_MEDIA_QUERY = `#graphql
  query PhotoStudioProductVariantMedia($id: ID!, $after: String) {
    product(id: $id) {
      id
      variants(first: 50, after: $after) {
        nodes {
          id
          media(first: 3) {
            nodes {
              id
            }
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

interface MediaNode {
  id: string;
  alt: string | null;
  status: MediaStatus;
  mediaContentType: string;
  mimeType?: string | null;
  image?: MediaImageView | null;
}

interface ProductMediaData {
  product: { id: string; media: { nodes: MediaNode[]; pageInfo: PageInfo } } | null;
}

interface ProductVariantMediaData {
  product: {
    id: string;
    variants: {
      nodes: Array<{ id: string; media: { nodes: Array<{ id: string }> } }>;
      pageInfo: PageInfo;
    };
  } | null;
}

/**
 * The product's media in order and the media each variant shows, every page of both; null when
 * the product does not exist (deleted, or never one of this shop's).
 */
export async function readProductMedia(
  admin: AdminClient,
  productId: string,
): Promise<ProductMediaState | null> {
  const media: ProductMediaItem[] = [];
  let after: string | null = null;
  do {
    const data: ProductMediaData = await admin.request<ProductMediaData>(PRODUCT_MEDIA_QUERY, {
      variables: { id: productId, after },
    });
    if (!data.product) return null;
    for (const node of data.product.media.nodes) {
      const filename = node.image ? filenameOfUrl(node.image.url) : null;
      media.push({
        id: node.id,
        position: media.length,
        mediaContentType: node.mediaContentType,
        alt: node.alt ?? null,
        status: node.status,
        mimeType: node.mimeType ?? null,
        extension: (filename && extensionOf(filename)) || extensionForMimeType(node.mimeType),
        image: node.image ?? null,
      });
    }
    const page: PageInfo = data.product.media.pageInfo;
    after = page.hasNextPage ? page.endCursor : null;
  } while (after);

  const variants = await readVariantMediaLinks(admin, productId);
  return variants && { productId, media, variants };
}

/** The media each of the product's variants shows, every page; null when the product is gone. */
export async function readVariantMediaLinks(
  admin: AdminClient,
  productId: string,
): Promise<VariantMediaLinks[] | null> {
  const variants: VariantMediaLinks[] = [];
  let after: string | null = null;
  do {
    const data: ProductVariantMediaData = await admin.request<ProductVariantMediaData>(
      PRODUCT_VARIANT_MEDIA_QUERY,
      { variables: { id: productId, after } },
    );
    if (!data.product) return null;
    for (const variant of data.product.variants.nodes) {
      variants.push({ id: variant.id, mediaIds: variant.media.nodes.map((node) => node.id) });
    }
    const page: PageInfo = data.product.variants.pageInfo;
    after = page.hasNextPage ? page.endCursor : null;
  } while (after);
  return variants;
}

// Ids only: about a point per media, where readProductMedia requests some 400 for its first pages.
const PRODUCT_MEDIA_IDS_QUERY = `#graphql
  query PhotoStudioProductMediaIds($id: ID!, $after: String) {
    product(id: $id) {
      id
      media(first: 50, after: $after) {
        nodes {
          id
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

const MEDIA_PLACEMENT_QUERY = `#graphql
  query PhotoStudioMediaPlacement($productId: ID!, $mediaId: ID!) {
    product(id: $productId) {
      id
      media(first: 50) {
        nodes {
          id
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
    node(id: $mediaId) {
      __typename
      id
      ... on MediaImage {
        alt
        mimeType
        fileStatus
        fileErrors {
          code
          message
          details
        }
        image {
          url
        }
      }
    }
  }
`;

interface MediaIdsPage {
  nodes: Array<{ id: string }>;
  pageInfo: PageInfo;
}

/** The ids of the pages after `page`, appended to `ids`; false when the product is gone. */
async function restOfMediaIds(
  admin: AdminClient,
  productId: string,
  page: MediaIdsPage,
  ids: string[],
): Promise<boolean> {
  let info = page.pageInfo;
  while (info.hasNextPage && info.endCursor) {
    const data: { product: { media: MediaIdsPage } | null } = await admin.request(
      PRODUCT_MEDIA_IDS_QUERY,
      { variables: { id: productId, after: info.endCursor } },
    );
    if (!data.product) return false;
    ids.push(...data.product.media.nodes.map((node) => node.id));
    info = data.product.media.pageInfo;
  }
  return true;
}

/** The product's media ids in order; null when the product does not exist. */
export async function readMediaOrder(
  admin: AdminClient,
  productId: string,
): Promise<string[] | null> {
  const data: { product: { media: MediaIdsPage } | null } = await admin.request(
    PRODUCT_MEDIA_IDS_QUERY,
    { variables: { id: productId, after: null } },
  );
  if (!data.product) return null;
  const ids = data.product.media.nodes.map((node) => node.id);
  return (await restOfMediaIds(admin, productId, data.product.media, ids)) ? ids : null;
}

/** One media as a file, with what replacing its bytes in place needs to know. */
export interface MediaFacts {
  id: string;
  /** "MediaImage"; "Video", "Model3d", "ExternalVideo" are media that are not images. */
  type: string;
  status: MediaStatus | null;
  alt: string | null;
  mimeType: string | null;
  /** As readProductMedia spells it: the served name's extension, else the MIME type's. */
  extension: string | null;
  errors: FileProcessingError[];
}

export interface MediaPlacement {
  /** The product's media ids in order. */
  mediaIds: string[];
  /** The media asked about; null when no such media exists (deleted from Files). */
  media: MediaFacts | null;
}

interface PlacementNode {
  __typename: string;
  id: string;
  alt?: string | null;
  mimeType?: string | null;
  fileStatus?: MediaStatus;
  fileErrors?: Array<{ code: string; message: string; details: string | null }>;
  image?: { url: string } | null;
}

/**
 * Where a media sits on a product, and the media itself, for a few points: the cheapest read that
 * proves a media is an image on the product and tells what replacing it in place, and undoing
 * that, need. Null when the product does not exist.
 */
export async function readMediaPlacement(
  admin: AdminClient,
  productId: string,
  mediaId: string,
): Promise<MediaPlacement | null> {
  const data: {
    product: { media: MediaIdsPage } | null;
    node: PlacementNode | null;
  } = await admin.request(MEDIA_PLACEMENT_QUERY, { variables: { productId, mediaId } });
  if (!data.product) return null;
  const mediaIds = data.product.media.nodes.map((node) => node.id);
  if (!(await restOfMediaIds(admin, productId, data.product.media, mediaIds))) return null;
  const node = data.node;
  if (!node) return { mediaIds, media: null };
  const filename = node.image ? filenameOfUrl(node.image.url) : null;
  return {
    mediaIds,
    media: {
      id: node.id,
      type: node.__typename,
      status: node.fileStatus ?? null,
      alt: node.alt ?? null,
      mimeType: node.mimeType ?? null,
      extension: (filename && extensionOf(filename)) || extensionForMimeType(node.mimeType),
      errors: (node.fileErrors ?? []).map((error) => ({
        code: error.code,
        message: error.message,
        details: error.details ?? null,
      })),
    },
  };
}

const FILES_QUERY = `#graphql
  query PhotoStudioMediaFiles($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on MediaImage {
        id
        alt
        fileStatus
        fileErrors {
          code
          message
          details
        }
        image {
          url
          width
          height
        }
      }
    }
  }
`;

const FILES_BY_NAME_QUERY = `#graphql
  query PhotoStudioMediaFilesByName($query: String!) {
    files(first: 10, query: $query, sortKey: ID) {
      nodes {
        ... on MediaImage {
          id
          alt
          fileStatus
          fileErrors {
            code
            message
            details
          }
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

interface FileNode {
  id?: string;
  alt: string | null;
  fileStatus: MediaStatus;
  fileErrors: Array<{ code: string; message: string; details: string | null }>;
  image?: MediaImageView | null;
}

function fileState(node: FileNode | null | undefined): FileState | null {
  if (!node?.id) return null;
  return {
    id: node.id,
    status: node.fileStatus,
    alt: node.alt ?? null,
    filename: node.image ? filenameOfUrl(node.image.url) : null,
    image: node.image ?? null,
    errors: node.fileErrors.map((error) => ({
      code: error.code,
      message: error.message,
      details: error.details ?? null,
    })),
  };
}

// A poll needs no image, which costs a point more per file once it is READY.
const FILE_STATUSES_QUERY = `#graphql
  query PhotoStudioMediaFileStatuses($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on MediaImage {
        id
        alt
        fileStatus
        fileErrors {
          code
          message
          details
        }
      }
    }
  }
`;

/** Files by id through one `nodes` read (priced by the nodes it returns; up to 250 ids). */
function filesReader(document: string) {
  return batched<string, FileState | null>({
    maxSize: 50,
    windowMs: 20,
    async send(admin, ids) {
      const unique = [...new Set(ids)];
      const data = await admin.request<{ nodes: Array<FileNode | null> }>(document, {
        variables: { ids: unique },
      });
      const byId = new Map(unique.map((id, index) => [id, fileState(data.nodes[index])]));
      return ids.map((id) => ({ value: byId.get(id) ?? null }));
    },
  });
}

const readFiles = filesReader(FILES_QUERY);
const readFileStatuses = filesReader(FILE_STATUSES_QUERY);

/**
 * An image file of the shop by id; null when there is none (deleted from Files). Reads of the
 * same shop within a few milliseconds share one request.
 */
export async function readMediaFile(
  admin: AdminClient,
  id: string,
  signal?: AbortSignal,
): Promise<FileState | null> {
  return readFiles(admin, id, signal);
}

/**
 * Image files whose name starts with `prefix`, oldest first: how a retry finds the file an
 * earlier attempt created but could not record. The prefix goes in as one search term, so it
 * must hold no spaces, quotes or colons.
 */
export async function findMediaFilesNamed(
  admin: AdminClient,
  prefix: string,
): Promise<FileState[]> {
  const data = await admin.request<{ files: { nodes: FileNode[] } }>(FILES_BY_NAME_QUERY, {
    variables: { query: `filename:${prefix}* media_type:IMAGE` },
  });
  return data.files.nodes.map(fileState).filter((file): file is FileState => file !== null);
}

const FILE_CREATE = `#graphql
  mutation PhotoStudioMediaFileCreate($files: [FileCreateInput!]!) {
    fileCreate(files: $files) {
      files {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

/**
 * Creates an image file in Files, on no product yet. RAISE_ERROR makes Shopify fail a second
 * file of the same name instead of renaming it, so one name never stands for two files.
 */
export async function createMediaFile(
  admin: AdminClient,
  input: { originalSource: string; filename: string; alt: string | null },
): Promise<{ id: string | null; userErrors: ShopifyUserError[] }> {
  const data = await admin.request<{
    fileCreate: { files: Array<{ id: string }> | null; userErrors: ShopifyUserError[] } | null;
  }>(FILE_CREATE, {
    variables: {
      files: [
        {
          originalSource: input.originalSource,
          filename: input.filename,
          contentType: "IMAGE",
          duplicateResolutionMode: "RAISE_ERROR",
          ...(input.alt === null ? {} : { alt: input.alt }),
        },
      ],
    },
  });
  return {
    id: data.fileCreate?.files?.[0]?.id ?? null,
    userErrors: data.fileCreate?.userErrors ?? [],
  };
}

const FILE_UPDATE = `#graphql
  mutation PhotoStudioMediaFileUpdate($files: [FileUpdateInput!]!) {
    fileUpdate(files: $files) {
      files {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export interface MediaFileUpdate {
  id: string;
  alt?: string;
  originalSource?: string;
  referencesToAdd?: string[];
  referencesToRemove?: string[];
}

/**
 * fileUpdate: new bytes in place (same id, URL and variant links), alt text, and the products the
 * file is media of. Removing a product reference also clears the variant images that used it.
 */
export async function updateMediaFile(
  admin: AdminClient,
  update: MediaFileUpdate,
): Promise<{ userErrors: ShopifyUserError[] }> {
  return updateFiles(admin, update);
}

/**
 * Concurrent updates of a shop go as one fileUpdate. Shopify checks every input before it changes
 * anything, so a batch with one bad input changes nothing: that input gets its userErrors, the
 * others go again without it. An update Shopify lists as done is done even beside errors.
 */
const updateFiles = batched<MediaFileUpdate, { userErrors: ShopifyUserError[] }>({
  maxSize: 25,
  windowMs: 20,
  async send(admin, updates) {
    const data = await admin.request<{
      fileUpdate: { files: Array<{ id: string }> | null; userErrors: ShopifyUserError[] } | null;
    }>(FILE_UPDATE, { variables: { files: updates } });
    const errors = data.fileUpdate?.userErrors ?? [];
    if (updates.length === 1) return [{ value: { userErrors: errors } }];
    const updated = new Set((data.fileUpdate?.files ?? []).map((file) => file.id));
    return updates.map((update, index): BatchOutcome<{ userErrors: ShopifyUserError[] }> => {
      const own = errors.filter((error) => inputIndex(error.field, "files") === index);
      if (own.length > 0) return { value: { userErrors: own } };
      if (errors.length === 0 || updated.has(update.id)) return { value: { userErrors: [] } };
      return { again: true };
    });
  },
});

const FILE_DELETE = `#graphql
  mutation PhotoStudioMediaFileDelete($fileIds: [ID!]!) {
    fileDelete(fileIds: $fileIds) {
      deletedFileIds
      userErrors {
        field
        message
        code
      }
    }
  }
`;

/** Deletes files from Files and from every product showing them; a file already gone is no error. */
export async function deleteMediaFiles(
  admin: AdminClient,
  ids: string[],
): Promise<{ userErrors: ShopifyUserError[] }> {
  if (ids.length === 0) return { userErrors: [] };
  const data = await admin.request<{
    fileDelete: { userErrors: ShopifyUserError[] } | null;
  }>(FILE_DELETE, { variables: { fileIds: ids } });
  const errors = data.fileDelete?.userErrors ?? [];
  // Shopify refuses the whole batch when one id is unknown; delete the others on their own.
  if (errors.some((error) => error.code === "FILE_DOES_NOT_EXIST") && ids.length > 1) {
    const results = await Promise.all(ids.map((id) => deleteMediaFiles(admin, [id])));
    return { userErrors: results.flatMap((result) => result.userErrors) };
  }
  return { userErrors: errors.filter((error) => error.code !== "FILE_DOES_NOT_EXIST") };
}

const REORDER_MEDIA = `#graphql
  mutation PhotoStudioReorderMedia($id: ID!, $moves: [MoveInput!]!) {
    productReorderMedia(id: $id, moves: $moves) {
      job {
        id
        done
      }
      mediaUserErrors {
        field
        message
        code
      }
    }
  }
`;

const JOB_QUERY = `#graphql
  query PhotoStudioReorderJob($id: ID!) {
    job(id: $id) {
      id
      done
    }
  }
`;

/** Starts moving media (each to its zero-based position, in order); Shopify answers with a Job. */
export async function reorderMedia(
  admin: AdminClient,
  productId: string,
  moves: Array<{ id: string; position: number }>,
): Promise<{ jobId: string | null; done: boolean; userErrors: ShopifyUserError[] }> {
  const data = await admin.request<{
    productReorderMedia: {
      job: { id: string; done: boolean } | null;
      mediaUserErrors: ShopifyUserError[];
    } | null;
  }>(REORDER_MEDIA, {
    variables: {
      id: productId,
      moves: moves.map((move) => ({ id: move.id, newPosition: String(move.position) })),
    },
  });
  const payload = data.productReorderMedia;
  return {
    jobId: payload?.job?.id ?? null,
    done: payload?.job?.done ?? false,
    userErrors: payload?.mediaUserErrors ?? [],
  };
}

/** Whether a Job is done; a job Shopify no longer knows is treated as done. */
export async function jobDone(admin: AdminClient, jobId: string): Promise<boolean> {
  const data = await admin.request<{ job: { done: boolean } | null }>(JOB_QUERY, {
    variables: { id: jobId },
  });
  return data.job?.done ?? true;
}

const SWAP_VARIANT_MEDIA = `#graphql
  mutation PhotoStudioSwapVariantMedia(
    $productId: ID!
    $detach: [ProductVariantDetachMediaInput!]!
    $append: [ProductVariantAppendMediaInput!]!
  ) {
    productVariantDetachMedia(productId: $productId, variantMedia: $detach) {
      userErrors {
        field
        message
        code
      }
    }
    productVariantAppendMedia(productId: $productId, variantMedia: $append) {
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const APPEND_VARIANT_MEDIA = `#graphql
  mutation PhotoStudioAppendVariantMedia(
    $productId: ID!
    $append: [ProductVariantAppendMediaInput!]!
  ) {
    productVariantAppendMedia(productId: $productId, variantMedia: $append) {
      userErrors {
        field
        message
        code
      }
    }
  }
`;

/** Shopify takes at most 100 variant-media pairs per call (MAXIMUM_VARIANT_MEDIA_PAIRS_EXCEEDED). */
const MAX_VARIANT_MEDIA_PAIRS = 100;

export interface VariantImageChange {
  variantId: string;
  /** The media the variant shows now, taken off it first (a variant shows one image). */
  from: string | null;
  to: string;
}

/**
 * Points variants at other media. A variant that shows an image refuses another one
 * (PRODUCT_VARIANT_ALREADY_HAS_MEDIA), so its old image is detached first, in the same request:
 * mutation fields run one after the other, which keeps the moment without an image as short as
 * Shopify allows.
 */
export async function changeVariantImages(
  admin: AdminClient,
  productId: string,
  changes: VariantImageChange[],
): Promise<{ userErrors: ShopifyUserError[] }> {
  const userErrors: ShopifyUserError[] = [];
  for (let start = 0; start < changes.length; start += MAX_VARIANT_MEDIA_PAIRS) {
    const batch = changes.slice(start, start + MAX_VARIANT_MEDIA_PAIRS);
    const detach = batch
      .filter((change) => change.from !== null)
      .map((change) => ({ variantId: change.variantId, mediaIds: [change.from!] }));
    const append = batch.map((change) => ({ variantId: change.variantId, mediaIds: [change.to] }));
    type Payload = { userErrors: ShopifyUserError[] } | null;
    const data = await admin.request<{
      productVariantDetachMedia?: Payload;
      productVariantAppendMedia: Payload;
    }>(detach.length > 0 ? SWAP_VARIANT_MEDIA : APPEND_VARIANT_MEDIA, {
      variables: { productId, append, ...(detach.length > 0 ? { detach } : {}) },
    });
    userErrors.push(
      ...(data.productVariantDetachMedia?.userErrors ?? []),
      ...(data.productVariantAppendMedia?.userErrors ?? []),
    );
  }
  return { userErrors };
}

export interface WaitOptions {
  /** How long to wait in all. */
  timeoutMs: number;
  /** Pause between two looks. */
  pollMs: number;
  signal?: AbortSignal;
}

/**
 * Waits until Shopify has processed a file (READY or FAILED). Answers the file as last seen:
 * still UPLOADED or PROCESSING when the wait ran out, null when it was deleted meanwhile. Without
 * its image (`image` and `filename` null; readMediaFile has them): the polls of every waiting
 * caller of a shop go as one read, and ask only what waiting needs.
 */
export async function waitForFileProcessed(
  admin: AdminClient,
  id: string,
  wait: WaitOptions,
): Promise<FileState | null> {
  const deadline = Date.now() + wait.timeoutMs;
  for (;;) {
    const file = await readFileStatuses(admin, id, wait.signal);
    if (!file || file.status === "READY" || file.status === "FAILED") return file;
    if (Date.now() >= deadline) return file;
    await untilNextPoll(wait);
  }
}

/**
 * Sleeps until the next multiple of `pollMs` on the clock, at least half of it: every waiter of
 * the process looks at the same moments, whenever it started, so their looks share one request.
 */
export function untilNextPoll(wait: Pick<WaitOptions, "pollMs" | "signal">): Promise<void> {
  const rest = wait.pollMs - (Date.now() % wait.pollMs);
  return sleep(rest < wait.pollMs / 2 ? rest + wait.pollMs : rest, wait.signal);
}

/** Waits for a Job to finish; false when the wait ran out first. */
export async function waitForJob(
  admin: AdminClient,
  jobId: string,
  wait: WaitOptions,
): Promise<boolean> {
  const deadline = Date.now() + wait.timeoutMs;
  for (;;) {
    if (await jobDone(admin, jobId)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(wait.pollMs, wait.signal);
  }
}
