/**
 * The frame of every admin shell page, laid out like Shopify admin: a dark top bar with search and
 * the store's name, a left navigation (Home, Products, then the store's apps with their own
 * `<ui-nav-menu>` links) and the page in the middle. Other dev store pages that stand in for
 * admin pages (billing confirmation, for one) can render inside it too.
 */
import type { AppRegistration } from "../apps.ts";
import type { DevStore } from "../server.ts";
import type { ShopRecord } from "../state.ts";
import { storeName } from "./app-url.ts";
import { html, htmlResponse, type SafeHtml } from "./html.ts";

export const ASSETS_PATH = "/admin-assets";

export type AdminSection = "home" | "products" | { app: string } | null;

export interface AdminPageInput {
  devStore: DevStore;
  shop: ShopRecord;
  title: string;
  section: AdminSection;
  content: SafeHtml;
  /** Browser scripts from the shell's assets, loaded in order before the page is parsed. */
  scripts?: string[];
  /** The app page lets the app's iframe fill the whole page area. */
  fullBleed?: boolean;
  status?: number;
}

export function adminBase(shop: ShopRecord): string {
  return `/store/${storeName(shop.domain)}`;
}

export function appBase(shop: ShopRecord, app: AppRegistration): string {
  return `${adminBase(shop)}/apps/${app.handle}`;
}

// Outline icons drawn for the dev store (20×20, like the admin's navigation icons).
const ICONS = {
  home: html`<path d="M3.5 9 10 3.5 16.5 9v7a1 1 0 0 1-1 1h-3.5v-5h-4v5H4.5a1 1 0 0 1-1-1z" />`,
  products: html`<path
      d="M10.6 3.5H16a.5.5 0 0 1 .5.5v5.4a1 1 0 0 1-.3.7l-6.6 6.6a1 1 0 0 1-1.4 0l-4.8-4.8a1 1 0 0 1 0-1.4l6.6-6.6a1 1 0 0 1 .7-.3z"
    /><circle cx="13.2" cy="6.8" r="1.1" />`,
  apps: html`<rect x="3.5" y="3.5" width="5" height="5" rx="1" /><rect
      x="11.5"
      y="3.5"
      width="5"
      height="5"
      rx="1"
    /><rect x="3.5" y="11.5" width="5" height="5" rx="1" /><rect
      x="11.5"
      y="11.5"
      width="5"
      height="5"
      rx="1"
    />`,
  search: html`<circle cx="9" cy="9" r="5" /><path d="m13 13 3.5 3.5" />`,
};

function icon(name: keyof typeof ICONS): SafeHtml {
  return html`<svg class="icon" viewBox="0 0 20 20" aria-hidden="true">${ICONS[name]}</svg>`;
}

export function initials(name: string): string {
  return (
    name
      .split(/[\s-]+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((word) => word[0]!.toUpperCase())
      .join("") || "S"
  );
}

function navigation(devStore: DevStore, shop: ShopRecord, section: AdminSection): SafeHtml {
  const base = adminBase(shop);
  const current = (name: string) => (section === name ? html` aria-current="page"` : "");
  const apps = devStore.apps.map((app) => {
    const isCurrent = typeof section === "object" && section?.app === app.handle;
    return html`<li class="nav-app">
      <a
        href="${appBase(shop, app)}"
        data-app-home="${app.handle}"
        ${isCurrent ? html` aria-current="page"` : ""}
      >
        <span class="app-icon" aria-hidden="true">${initials(app.name)}</span>${app.name}
      </a>
      <ul class="nav-sub" data-app-nav="${app.handle}"></ul>
    </li>`;
  });
  return html`<nav class="nav" aria-label="Main">
    <ul>
      <li><a href="${base}" ${current("home")}>${icon("home")}Home</a></li>
      <li><a href="${base}/products" ${current("products")}>${icon("products")}Products</a></li>
    </ul>
    <h2 class="nav-heading">${icon("apps")}Apps</h2>
    <ul>
      ${apps.length > 0 ? apps : html`<li class="nav-empty">No apps installed</li>`}
    </ul>
  </nav>`;
}

function topBar(shop: ShopRecord): SafeHtml {
  return html`<header class="top-bar">
    <a class="brand" href="${adminBase(shop)}">
      <svg viewBox="0 0 20 20" aria-hidden="true">
        <path d="M5 7h10l-1 10H6z" />
        <path d="M7.5 7V5.5a2.5 2.5 0 0 1 5 0V7" />
      </svg>
      <span>dev store</span>
    </a>
    <form class="search" action="${adminBase(shop)}/products" role="search">
      ${icon("search")}<input
        type="search"
        name="query"
        placeholder="Search products"
        aria-label="Search products"
      />
    </form>
    <div class="store" data-store-name>
      <span class="store-avatar" aria-hidden="true">${initials(shop.name)}</span>${shop.name}
    </div>
    <div class="save-bar" role="region" aria-label="Unsaved changes" hidden>
      <span>Unsaved changes</span>
      <div class="save-bar-actions">
        <button type="button" class="button button-dark" data-save-bar-action="discard">
          Discard
        </button>
        <button type="button" class="button button-light" data-save-bar-action="save">Save</button>
      </div>
    </div>
  </header>`;
}

export function adminPage(input: AdminPageInput): Response {
  const { devStore, shop, title, section, content, scripts = [], fullBleed = false } = input;
  return htmlResponse(
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · ${shop.name} · Shopify dev store</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="${ASSETS_PATH}/admin.css" />
        ${scripts.map((script) => html`<script src="${ASSETS_PATH}/${script}"></script>`)}
      </head>
      <body data-admin-base="${adminBase(shop)}" data-shop="${shop.domain}">
        ${topBar(shop)}
        <div class="loading-bar" hidden></div>
        <div class="frame">
          ${navigation(devStore, shop, section)}
          <main class="${fullBleed ? "main main-full" : "main"}">${content}</main>
        </div>
        <div class="toasts" aria-live="polite"></div>
      </body>
    </html>`,
    input.status,
  );
}

/** A page that says what is not there, inside the admin frame. */
export function notFoundPage(devStore: DevStore, shop: ShopRecord, message: string): Response {
  return adminPage({
    devStore,
    shop,
    title: "Page not found",
    section: null,
    status: 404,
    content: html`<div class="page">
      <div class="card empty">
        <h1>There’s no page at this address</h1>
        <p>${message}</p>
      </div>
    </div>`,
  });
}
