/** Home: what the store holds and the apps that can be opened on it. */
import type { DevStore } from "../server.ts";
import type { ShopRecord } from "../state.ts";
import { html } from "./html.ts";
import { adminBase, adminPage, appBase } from "./layout.ts";

export function homePage(devStore: DevStore, shop: ShopRecord): Response {
  const products = shop.products.length;
  const apps = devStore.apps.map((app) => {
    const installed = shop.installations[app.clientId];
    const status =
      installed && !installed.uninstalledAt
        ? html`<span class="badge badge-success">Installed</span>`
        : html`<span class="badge">Installs when first opened</span>`;
    return html`<li>
      <a href="${appBase(shop, app)}">${app.name}</a>
      ${status}
    </li>`;
  });
  return adminPage({
    devStore,
    shop,
    title: "Home",
    section: "home",
    content: html`<div class="page">
      <div class="page-header"><h1>${shop.name}</h1></div>
      <div class="card">
        <h2>Your store</h2>
        <p>
          <a href="${adminBase(shop)}/products"
            >${products} ${products === 1 ? "product" : "products"}</a
          >
          · ${shop.plan} plan · ${shop.domain}
        </p>
      </div>
      <div class="card">
        <h2>Apps</h2>
        <ul class="app-list">
          ${apps.length > 0 ? apps : html`<li>No apps are registered with this dev store.</li>`}
        </ul>
      </div>
    </div>`,
  });
}
