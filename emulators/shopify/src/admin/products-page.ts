/**
 * Products › All products: the store's catalog as admin lists it (thumbnail, title, status, type,
 * vendor), 50 to a page, searchable with the Admin API's search syntax, with checkboxes and the
 * bulk actions apps add to the list.
 */
import type { ResolverContext } from "../context.ts";
import { searchProducts } from "../resolvers/products.ts";
import type { DevStore } from "../server.ts";
import type { ProductRecord, ShopRecord } from "../state.ts";
import { fileUrl, productMedia, settle } from "../views.ts";
import fs from "node:fs";

import {
  extensionActions,
  extensionFrame,
  extensionsApp,
  SELECTION_TARGET,
} from "./extensions/extension-actions.ts";
import { html, jsonScript, type SafeHtml } from "./html.ts";
import { adminBase, adminPage, appBase } from "./layout.ts";

const PAGE_SIZE = 50;

/**
 * Admin link bulk actions of the product list, by app handle: the app opens at `path` with the
 * selection as `ids[]=<product id>` query parameters (numeric ids), which is how Shopify passes a
 * bulk selection to an admin link. Photo Studio's own entry is its action extension
 * (extensions/photo-studio-bulk-action, see ./extensions/extension-actions.ts).
 */
export const PRODUCT_BULK_ACTIONS: Record<string, Array<{ label: string; path: string }>> = {};

const MODAL_SCRIPT = new URL("./extensions/products-modal.js", import.meta.url);

/** The shell serves only its own assets folder; the modal's script travels with the page. */
const scriptDataUrl = (code: string) =>
  `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`;

const STATUS_BADGES: Record<ProductRecord["status"], SafeHtml> = {
  ACTIVE: html`<span class="badge badge-success">Active</span>`,
  DRAFT: html`<span class="badge badge-info">Draft</span>`,
  ARCHIVED: html`<span class="badge">Archived</span>`,
};

/** The admin's own view of the store: no app, no scopes. */
export function adminContext(devStore: DevStore, shop: ShopRecord): ResolverContext {
  return devStore.context(shop, "shopify-admin", []);
}

export function thumbnailUrl(context: ResolverContext, product: ProductRecord): string | null {
  const file = productMedia(context, product)[0];
  if (!file || settle(file, context.now()).status !== "READY") return null;
  // 40 px squares, at twice the resolution for high-density screens, as admin asks its CDN.
  return fileUrl(context, file, { maxWidth: 40, maxHeight: 40, crop: "CENTER", scale: 2 });
}

function productRow(context: ResolverContext, product: ProductRecord): SafeHtml {
  const thumbnail = thumbnailUrl(context, product);
  return html`<tr>
    <td class="check">
      <input
        type="checkbox"
        name="ids[]"
        value="${product.id}"
        aria-label="Select ${product.title}"
      />
    </td>
    <td class="thumb">
      ${thumbnail ? html`<img src="${thumbnail}" alt="" width="40" height="40" />` : html`<span class="thumb-empty"></span>`}
    </td>
    <td class="title">${product.title}</td>
    <td>${STATUS_BADGES[product.status]}</td>
    <td>${product.productType}</td>
    <td>${product.vendor}</td>
  </tr>`;
}

function bulkActionMenu(devStore: DevStore, shop: ShopRecord): SafeHtml {
  const owner = extensionsApp(devStore);
  const extensionItems = owner
    ? extensionActions(SELECTION_TARGET).map(
        (action) =>
          html`<button
            type="button"
            class="menu-item"
            role="menuitem"
            data-extension-action="${action.handle}"
          >
            ${action.label}
          </button>`,
      )
    : [];
  const links = devStore.apps.flatMap((app) =>
    (PRODUCT_BULK_ACTIONS[app.handle] ?? []).map(
      (action) =>
        html`<button
          type="submit"
          class="menu-item"
          role="menuitem"
          formaction="${appBase(shop, app)}${action.path}"
        >
          ${action.label}
        </button>`,
    ),
  );
  const actions = [...extensionItems, ...links];
  return html`<div class="bulk-bar" data-bulk-bar>
    <span data-selected-count>Select products for bulk actions</span>
    <div class="menu">
      <button
        type="button"
        class="button"
        data-menu-toggle
        aria-haspopup="menu"
        aria-expanded="false"
      >
        More actions
      </button>
      <div class="menu-popover" role="menu" data-menu>
        ${actions.length > 0 ? actions : html`<span class="menu-empty">No app adds bulk actions</span>`}
      </div>
    </div>
  </div>`;
}

function pagination(base: string, query: string, page: number, pages: number): SafeHtml {
  if (pages <= 1) return html``;
  const link = (target: number, label: string) => {
    const params = new URLSearchParams({ ...(query ? { query } : {}), page: String(target) });
    return target < 1 || target > pages
      ? html`<span class="button" aria-disabled="true">${label}</span>`
      : html`<a class="button" href="${base}?${params}">${label}</a>`;
  };
  return html`<div class="pagination">
    ${link(page - 1, "‹ Previous")}<span>Page ${page} of ${pages}</span>${link(page + 1, "Next ›")}
  </div>`;
}

/**
 * The modal an action extension runs in, and each extension's frame document (the bundle and the
 * host), so opening it needs no further request.
 */
function extensionModal(devStore: DevStore, shop: ShopRecord): SafeHtml {
  const app = extensionsApp(devStore);
  if (!app) return html``;
  const frames = Object.fromEntries(
    extensionActions(SELECTION_TARGET).map((action) => [
      action.handle,
      extensionFrame(devStore, shop, app, action),
    ]),
  );
  return html`${jsonScript("extension-frames", frames)}
    <dialog
      class="extension-modal"
      data-extension-modal
      data-app-base="${appBase(shop, app)}"
      aria-label="${app.name}"
      style="width:min(640px,95vw);height:min(640px,90vh);padding:0;border:0;border-radius:12px;"
    >
      <div style="display:flex;flex-direction:column;height:100%">
        <div style="display:flex;justify-content:flex-end;padding:4px 8px">
          <button type="button" class="button" data-extension-close aria-label="Close">×</button>
        </div>
        <div class="empty" data-extension-error hidden><p></p></div>
        <iframe title="${app.name}" style="flex:1;border:0;width:100%"></iframe>
      </div>
    </dialog>
    <script src="${scriptDataUrl(fs.readFileSync(MODAL_SCRIPT, "utf8"))}"></script>`;
}

export function productsPage(devStore: DevStore, shop: ShopRecord, url: URL): Response {
  const context = adminContext(devStore, shop);
  const query = url.searchParams.get("query")?.trim() ?? "";
  let products: ProductRecord[];
  let error: string | null = null;
  try {
    products = searchProducts(context, query, "TITLE");
  } catch (thrown) {
    products = [];
    error = (thrown as Error).message;
  }
  const pages = Math.max(1, Math.ceil(products.length / PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, Number(url.searchParams.get("page")) || 1));
  const shown = products.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const base = `${adminBase(shop)}/products`;

  const table =
    shown.length === 0
      ? html`<div class="empty">
          <h2>${query ? "No products found" : "Add your products"}</h2>
          <p>
            ${error ?? (query ? `Nothing matches “${query}”.` : "This store has no products yet.")}
          </p>
        </div>`
      : html`<table class="index-table">
          <thead>
            <tr>
              <th class="check">
                <input
                  type="checkbox"
                  aria-label="Select all products on this page"
                  data-select-all
                />
              </th>
              <th class="thumb"><span class="visually-hidden">Image</span></th>
              <th>Product</th>
              <th>Status</th>
              <th>Type</th>
              <th>Vendor</th>
            </tr>
          </thead>
          <tbody>
            ${shown.map((product) => productRow(context, product))}
          </tbody>
        </table>`;

  return adminPage({
    devStore,
    shop,
    title: "Products",
    section: "products",
    scripts: ["products.js"],
    content: html`<div class="page">
      <div class="page-header">
        <h1>Products</h1>
        <span class="page-meta"
          >${products.length} ${products.length === 1 ? "product" : "products"}</span
        >
      </div>
      <form class="card index" method="get" data-bulk-form>
        <div class="index-toolbar">
          <span class="tab" aria-current="true">${query ? `Search: ${query}` : "All"}</span>
          ${bulkActionMenu(devStore, shop)}
        </div>
        ${table} ${pagination(base, query, page, pages)}
      </form>
      ${extensionModal(devStore, shop)}
    </div>`,
  });
}
