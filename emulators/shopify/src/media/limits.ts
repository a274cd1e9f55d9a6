/**
 * Shopify's limits on files and product media, in one place.
 * https://shopify.dev/docs/apps/build/online-store/product-media
 */

const MB = 1024 * 1024;

/** Shopify accepts image files of up to 20 MB. */
export const MAX_IMAGE_BYTES = 20 * MB;

/**
 * "The maximum image size is 4472 x 4472 px, or 20 megapixels": an area limit, of which 4472²
 * is the square case, so a 6000 x 3000 px panorama (18 MP) is accepted.
 */
export const MAX_IMAGE_PIXELS = 20_000_000;

/** The dev store applies the same size limit to files that are not images (PDFs, CSVs…). */
export const MAX_GENERIC_FILE_BYTES = 20 * MB;

/** A bulk mutation's JSONL variables file (bulkOperationRunMutation) may be up to 100 MB. */
export const MAX_BULK_VARIABLES_BYTES = 100 * MB;

/** "A product can have a maximum of 250 media". */
export const MAX_MEDIA_PER_PRODUCT = 250;

/** FilesErrorCode.ALT_VALUE_LIMIT_EXCEEDED: "The alt value exceeds the maximum limit of 512 characters." */
export const MAX_ALT_LENGTH = 512;

/** "The maximum number of files that can be created in a single batch is 250" (fileCreate). */
export const MAX_FILES_PER_BATCH = 250;

/** MediaUserErrorCode.MAXIMUM_VARIANT_MEDIA_PAIRS_EXCEEDED: 100 variant-media pairs per call. */
export const MAX_VARIANT_MEDIA_PAIRS = 100;

/** How long a staged upload target accepts the upload (its signed GCS policy expires). */
export const STAGED_TARGET_LIFETIME_MS = 60 * 60 * 1000;

/** How long uploaded staged objects stay available to fileCreate (Shopify's tmp/ objects expire). */
export const STAGED_OBJECT_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
