/**
 * Apps › <app>: the app in an iframe, as admin frames it (see app-url.ts for the URL), under a
 * title bar that shows what the app declares with `<ui-title-bar>`. The browser side
 * (assets/app-host.js) answers the App Bridge stand-in inside the iframe.
 */
import type { AppRegistration } from "../apps.ts";
import type { DevStore } from "../server.ts";
import type { ShopRecord } from "../state.ts";
import { adminHostParam, embeddedAppUrl } from "./app-url.ts";
import { html, jsonScript } from "./html.ts";
import { adminPage, appBase, initials } from "./layout.ts";

/** The app an admin URL names, by handle or by client ID (admin accepts both). */
export function findApp(devStore: DevStore, handleOrClientId: string): AppRegistration | undefined {
  return devStore.apps.find(
    (app) => app.handle === handleOrClientId || app.clientId === handleOrClientId,
  );
}

export function appPage(
  devStore: DevStore,
  shop: ShopRecord,
  app: AppRegistration,
  path: string,
  query: URLSearchParams,
): Response {
  const src = embeddedAppUrl({ app, shopDomain: shop.domain, path, query });
  const context = {
    clientId: app.clientId,
    handle: app.handle,
    name: app.name,
    appBase: appBase(shop, app),
    appOrigin: new URL(app.appUrl).origin,
    shop: shop.domain,
    host: adminHostParam(shop.domain),
  };
  return adminPage({
    devStore,
    shop,
    title: app.name,
    section: { app: app.handle },
    scripts: ["app-host.js", "resource-picker.js"],
    fullBleed: true,
    content: html`${jsonScript("app-context", context)}
      <div class="app-title-bar">
        <nav class="app-breadcrumb" data-title-bar-breadcrumb hidden></nav>
        <span class="app-icon" aria-hidden="true">${initials(app.name)}</span>
        <h1 data-title-bar-title>${app.name}</h1>
        <div class="app-title-actions" data-title-bar-actions></div>
      </div>
      <iframe id="app-iframe" name="app-iframe" title="${app.name}" src="${src}"></iframe>
      <dialog class="picker" data-resource-picker></dialog>`,
  });
}
