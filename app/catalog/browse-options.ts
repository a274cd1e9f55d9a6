/**
 * The Products page's numbers and choices, shared by the server module that browses the catalog
 * and the page that explains them to the merchant (so this file imports nothing server-side).
 */
export const PAGE_SIZE = 25;
/** Products one request may look through to fill a page when an image filter is on. */
export const SCAN_LIMIT = 100;
/** Images read per product; the image filters look at these. */
export const IMAGES_PER_PRODUCT = 10;
/** An image is "small" below this on its longest side (marketplaces' zoom threshold). */
export const SMALL_IMAGE_PX = 1000;

export const PRODUCT_STATUSES = ["active", "draft", "archived"] as const;
export type ProductStatusFilter = (typeof PRODUCT_STATUSES)[number];
