/**
 * What the new-job page works with: the merchant's selection (product ids or a product search,
 * from the query string), how many images it holds, and the estimate of what a recipe costs for
 * them. The estimate is the same one the page shows, so the action can refuse a job the balance
 * cannot pay before anything is queued (the job's intake holds the real amount).
 */
import {
  countProducts,
  PAGE_SIZE,
  productsByIds,
  browseProducts,
  type BrowsedProduct,
  type BrowseDeps,
} from "../catalog/product-browser.server.ts";

const PRODUCT_GID = /^gid:\/\/shopify\/Product\/\d+$/;
/** Ids one new-job link may carry; larger selections go by search (or the bulk action). */
export const MAX_SELECTED_IDS = 250;

export type Selection =
  { kind: "ids"; ids: string[] } | { kind: "query"; query: string } | { kind: "none" };

export class SelectionError extends Error {
  override name = "SelectionError";
}

/**
 * The selection a new-job URL names: `?ids=<gid>,<gid>…` (App Bridge's resource picker and the
 * Products page) or `?query=<search>` ("" is the whole catalog).
 */
export function selectionFrom(params: URLSearchParams): Selection {
  const ids = params.get("ids");
  if (ids !== null) {
    const list = [
      ...new Set(
        ids
          .split(",")
          .map((id) => id.trim())
          .filter(Boolean),
      ),
    ];
    if (list.length === 0) return { kind: "none" };
    const invalid = list.filter((id) => !PRODUCT_GID.test(id));
    if (invalid.length > 0) {
      throw new SelectionError(
        `These are not products of your store: ${invalid.slice(0, 3).join(", ")}. Choose the products again.`,
      );
    }
    if (list.length > MAX_SELECTED_IDS) {
      throw new SelectionError(
        `Choose at most ${MAX_SELECTED_IDS} products at a time, or start the job from a search.`,
      );
    }
    return { kind: "ids", ids: list };
  }
  const query = params.get("query");
  if (query !== null) {
    if (query.length > 1_000) throw new SelectionError("That search is too long.");
    return { kind: "query", query };
  }
  return { kind: "none" };
}

export interface SelectionSummary {
  /** Up to a page of the selected products, to show. */
  products: BrowsedProduct[];
  productCount: number;
  /** Images the job would process; an estimate when not every product was read. */
  imageCount: number;
  /** false: imageCount is extrapolated from the products read, or some had more images. */
  exact: boolean;
}

/** The selected products and their image count (exact for ids; estimated for a large search). */
export async function summarizeSelection(
  deps: BrowseDeps,
  shop: string,
  selection: Selection,
): Promise<SelectionSummary> {
  if (selection.kind === "none")
    return { products: [], productCount: 0, imageCount: 0, exact: true };
  if (selection.kind === "ids") {
    const products = await productsByIds(deps.admin, selection.ids);
    return {
      products: products.slice(0, PAGE_SIZE * 2),
      productCount: products.length,
      imageCount: products.reduce((sum, product) => sum + product.imageCount, 0),
      exact: !products.some((product) => product.moreImages),
    };
  }
  const [count, page] = await Promise.all([
    countProducts(deps.admin, selection.query),
    browseProducts(deps, shop, { text: selection.query }),
  ]);
  const read = page.products;
  const readImages = read.reduce((sum, product) => sum + product.imageCount, 0);
  const complete = read.length >= count.count && count.exact;
  return {
    products: read,
    productCount: count.count,
    imageCount: complete
      ? readImages
      : Math.round((readImages / Math.max(1, read.length)) * count.count),
    exact: complete && !read.some((product) => product.moreImages),
  };
}
