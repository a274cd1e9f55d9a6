/**
 * The dev store's stand-in for App Bridge (https://cdn.shopify.com/shopifycloud/app-bridge.js).
 *
 * Loaded by the app's pages inside the admin shell's iframe, it defines what App Bridge defines for
 * the app: the `shopify` global (idToken, toast, resourcePicker, saveBar, modal, loading, config)
 * and the <ui-nav-menu>, <ui-title-bar>, <ui-save-bar> and <ui-modal> elements; it makes the app's
 * own fetch requests carry a session token, finishes shopify-app-remix's bounce page
 * (/auth/session-token?shopify-reload=…) and sends `_top` navigations (exit-iframe, reauthorize
 * headers) to the admin. Everything that needs the admin goes through postMessage to the shell:
 * see ./README.md for the protocol. The dev store serves this file with the admin's origin filled
 * in below; it is plain JavaScript because browsers run it as it is.
 */
(() => {
  "use strict";

  const ADMIN_ORIGIN = "__DEV_STORE_ADMIN_ORIGIN__";
  const BRIDGE = "dev-store-app-bridge";
  const ADMIN = "dev-store-admin";
  // Query parameters admin adds to the app's URL; not part of the app's own location.
  const ADMIN_PARAMS = [
    "embedded",
    "hmac",
    "host",
    "id_token",
    "locale",
    "session",
    "shop",
    "timestamp",
  ];
  const REAUTHORIZE_HEADER = "X-Shopify-API-Request-Failure-Reauthorize-Url";
  const RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request";

  if (window.shopify) return;

  const script = document.currentScript;
  const config = readConfig();

  // Outside the admin, App Bridge sends the merchant to the app inside the admin.
  if (window.top === window) {
    if (config.shop) {
      const store = config.shop.replace(/\.myshopify\.com$/, "");
      location.assign(`${ADMIN_ORIGIN}/store/${store}/apps/${config.apiKey}${appLocation()}`);
    }
    return;
  }

  // ---------------------------------------------------------------- messages with the admin

  let nextId = 1;
  const pending = new Map();
  const handlers = {};

  function post(type, payload = {}) {
    window.parent.postMessage({ source: BRIDGE, type, payload }, ADMIN_ORIGIN);
  }

  function request(type, payload = {}) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      window.parent.postMessage({ source: BRIDGE, id, type, payload }, ADMIN_ORIGIN);
    });
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== ADMIN_ORIGIN) return;
    const message = event.data;
    if (!message || message.source !== ADMIN) return;
    if (message.type === "response") {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (!waiting) return;
      if (message.error) waiting.reject(new Error(message.error));
      else waiting.resolve(message.result);
      return;
    }
    handlers[message.type]?.(message.payload ?? {});
  });

  // ---------------------------------------------------------------- config and location

  function readConfig() {
    const params = new URLSearchParams(location.search);
    const key = "dev-store-app-bridge:config";
    let saved = {};
    try {
      saved = JSON.parse(sessionStorage.getItem(key) ?? "{}");
    } catch {
      // Storage may be unavailable; the URL then has to say it all.
    }
    const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content;
    const value = {
      apiKey: script?.dataset.apiKey ?? meta("shopify-api-key") ?? saved.apiKey ?? "",
      shop: params.get("shop") ?? saved.shop,
      host: params.get("host") ?? saved.host,
      locale: params.get("locale") ?? saved.locale ?? "en",
      appOrigins: [],
      disabledFeatures: (meta("shopify-disabled-features") ?? "").split(",").filter(Boolean),
    };
    try {
      sessionStorage.setItem(key, JSON.stringify(value));
    } catch {
      // See above.
    }
    return value;
  }

  /** The app's path and query without admin's parameters, as the admin's address shows it. */
  function appLocation() {
    const params = new URLSearchParams(location.search);
    for (const name of ADMIN_PARAMS) params.delete(name);
    const query = params.toString();
    return `${location.pathname}${query ? `?${query}` : ""}`;
  }

  function reportLocation() {
    post("location", { path: appLocation() });
  }

  for (const method of ["pushState", "replaceState"]) {
    const original = history[method];
    history[method] = function (...args) {
      const result = original.apply(this, args);
      reportLocation();
      return result;
    };
  }
  window.addEventListener("popstate", reportLocation);

  // `window.open(url, "_top")` is how shopify-app-remix leaves the iframe (exit-iframe, redirects
  // with target _top/_parent); the admin decides where that lands.
  const nativeOpen = window.open.bind(window);
  window.open = (url, target, features) => {
    if (target === "_top" || target === "_parent") {
      post("navigateTop", { url: new URL(String(url), location.href).href });
      return null;
    }
    return nativeOpen(url, target, features);
  };

  // ---------------------------------------------------------------- session tokens and fetch

  let token = null;
  let tokenRequest = null;

  function secondsLeft(jwt) {
    try {
      const payload = JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return payload.exp - Date.now() / 1000;
    } catch {
      return 0;
    }
  }

  /** A session token from the admin; reused while it has more than 10 seconds to live. */
  function idToken({ fresh = false } = {}) {
    if (!fresh && token && secondsLeft(token) > 10) return Promise.resolve(token);
    tokenRequest ??= request("idToken", { clientId: config.apiKey }).then(
      (value) => {
        token = value;
        tokenRequest = null;
        return value;
      },
      (error) => {
        tokenRequest = null;
        throw error;
      },
    );
    return tokenRequest;
  }

  function isAppRequest(url) {
    const target = new URL(url, location.href);
    return target.origin === location.origin || config.appOrigins.includes(target.origin);
  }

  async function authorized(request, fresh) {
    const headers = new Headers(request.headers);
    if (!headers.has("Authorization")) {
      headers.set("Authorization", `Bearer ${await idToken({ fresh })}`);
    }
    if (!headers.has("Accept-Language")) headers.set("Accept-Language", config.locale);
    return new Request(request, { headers });
  }

  // App Bridge authenticates the app's requests to its own origin, retries once with a new token
  // when the app asks for it, and follows the app's reauthorize header out of the iframe.
  const nativeFetch = window.fetch.bind(window);
  if (!config.disabledFeatures.includes("fetch")) {
    window.fetch = async (input, init) => {
      const original = new Request(input, init);
      if (original.url.startsWith("shopify:")) {
        throw new TypeError("Direct Admin API access (shopify:admin/…) is not emulated");
      }
      if (!isAppRequest(original.url)) return nativeFetch(original);
      const retry = original.clone();
      let response = await nativeFetch(await authorized(original, false));
      if (response.headers.get(RETRY_HEADER) === "1") {
        response = await nativeFetch(await authorized(retry, true));
      }
      const reauthorize = response.headers.get(REAUTHORIZE_HEADER);
      if (reauthorize) post("navigateTop", { url: new URL(reauthorize, location.href).href });
      return response;
    };
  }

  // shopify-app-remix's bounce page: get a token and reload the page it names with it.
  const reload = new URLSearchParams(location.search).get("shopify-reload");
  if (reload) {
    const target = new URL(reload, location.href);
    if (target.origin === location.origin) {
      idToken({ fresh: true }).then((value) => {
        target.searchParams.set("id_token", value);
        location.replace(target.href);
      });
    }
  }

  // ---------------------------------------------------------------- custom elements

  /** Calls `report` once per burst of changes to the element's subtree. */
  function watch(element, report) {
    let scheduled = false;
    const schedule = () => {
      if (scheduled) return;
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        report();
      });
    };
    const observer = new MutationObserver(schedule);
    observer.observe(element, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
    schedule();
    return { schedule, stop: () => observer.disconnect() };
  }

  /** The clickable children of an element (buttons and links), described for the admin. */
  function actionsOf(element) {
    return [...element.querySelectorAll("button, a")].map((action) => ({
      label: action.textContent.trim(),
      variant: action.getAttribute("variant"),
      tone: action.getAttribute("tone"),
      disabled: action.hasAttribute("disabled"),
      href: action.tagName === "A" ? action.getAttribute("href") : null,
    }));
  }

  const hiddenStyle = document.createElement("style");
  hiddenStyle.textContent = "ui-nav-menu, ui-title-bar, ui-save-bar, ui-modal { display: none; }";
  document.head.append(hiddenStyle);

  // <ui-nav-menu>: its links become the app's items in the admin's navigation.
  class NavMenu extends HTMLElement {
    connectedCallback() {
      this.watcher = watch(this, reportNavMenu);
    }
    disconnectedCallback() {
      this.watcher?.stop();
      reportNavMenu();
    }
  }

  function reportNavMenu() {
    const menu = document.querySelector("ui-nav-menu");
    const items = menu
      ? [...menu.querySelectorAll("a")].map((link) => ({
          label: link.textContent.trim(),
          href: link.getAttribute("href"),
          rel: link.getAttribute("rel"),
        }))
      : [];
    post("navMenu", { items });
  }

  // The admin asks the app to go to one of its links: App Bridge dispatches shopify:navigate on
  // the link (shopify-app-remix's AppProvider routes it client-side). An app that listens for no
  // such event is reloaded at the new path by the admin instead.
  let navigateListeners = 0;
  const nativeAddEventListener = window.addEventListener.bind(window);
  const nativeRemoveEventListener = window.removeEventListener.bind(window);
  window.addEventListener = (type, ...rest) => {
    if (type === "shopify:navigate") navigateListeners += 1;
    return nativeAddEventListener(type, ...rest);
  };
  window.removeEventListener = (type, ...rest) => {
    if (type === "shopify:navigate") navigateListeners = Math.max(0, navigateListeners - 1);
    return nativeRemoveEventListener(type, ...rest);
  };

  handlers.navigate = ({ href }) => {
    if (navigateListeners === 0) {
      post("navigateUnhandled", { href });
      return;
    }
    const link = [...document.querySelectorAll("ui-nav-menu a")].find(
      (candidate) => candidate.getAttribute("href") === href,
    );
    // A path that is not one of the menu's links goes through a hidden link made for it.
    const target = link ?? document.createElement("a");
    if (!link) {
      target.setAttribute("href", href);
      target.hidden = true;
      document.body.append(target);
    }
    target.dispatchEvent(new CustomEvent("shopify:navigate", { bubbles: true }));
    if (!link) target.remove();
  };

  // <ui-title-bar>: the page title and actions the admin shows above the app. Title bars inside
  // a <ui-modal> belong to the modal.
  class TitleBar extends HTMLElement {
    connectedCallback() {
      if (this.closest("ui-modal")) return;
      this.watcher = watch(this, reportTitleBar);
    }
    disconnectedCallback() {
      this.watcher?.stop();
      reportTitleBar();
    }
  }

  function pageTitleBar() {
    return [...document.querySelectorAll("ui-title-bar")]
      .filter((bar) => !bar.closest("ui-modal"))
      .at(-1);
  }

  function reportTitleBar() {
    const bar = pageTitleBar();
    post("titleBar", bar ? { title: bar.getAttribute("title"), actions: actionsOf(bar) } : {});
  }

  handlers.titleBarAction = ({ index }) => {
    const bar = pageTitleBar();
    bar?.querySelectorAll("button, a")[index]?.click();
  };

  // <ui-save-bar> and shopify.saveBar: the admin's contextual save bar. Forms marked
  // data-save-bar get one automatically while they have unsaved input.
  let shownSaveBar = null;

  function showSaveBar(owner, options) {
    shownSaveBar = owner;
    post("saveBar", { visible: true, ...options });
  }

  function hideSaveBar(owner) {
    if (shownSaveBar !== owner) return;
    shownSaveBar = null;
    post("saveBar", { visible: false });
  }

  class SaveBar extends HTMLElement {
    get showing() {
      return shownSaveBar === this;
    }
    get discardConfirmation() {
      return this.hasAttribute("discardConfirmation");
    }
    set discardConfirmation(value) {
      this.toggleAttribute("discardConfirmation", Boolean(value));
    }
    async show() {
      const buttons = [...this.querySelectorAll("button")];
      const save = buttons.find((button) => button.getAttribute("variant") === "primary");
      const discard = buttons.find((button) => button !== save);
      this.buttons = { save, discard };
      showSaveBar(this, {
        saveLabel: save?.textContent.trim() || "Save",
        discardLabel: discard?.textContent.trim() || "Discard",
        discardConfirmation: this.discardConfirmation,
        loading: Boolean(save?.hasAttribute("loading")),
      });
      this.dispatchEvent(new Event("show"));
    }
    async hide() {
      if (!this.showing) return;
      hideSaveBar(this);
      this.dispatchEvent(new Event("hide"));
    }
    async toggle() {
      return this.showing ? this.hide() : this.show();
    }
    action(which) {
      this.buttons?.[which]?.click();
    }
    disconnectedCallback() {
      hideSaveBar(this);
    }
  }

  const formSaveBars = new WeakMap();
  function formSaveBar(form) {
    let owner = formSaveBars.get(form);
    if (!owner) {
      owner = {
        action(which) {
          if (which === "save") form.requestSubmit();
          else form.reset();
        },
      };
      formSaveBars.set(form, owner);
    }
    return owner;
  }

  for (const type of ["input", "change"]) {
    document.addEventListener(type, (event) => {
      const form = event.target?.form;
      if (form?.hasAttribute("data-save-bar")) {
        showSaveBar(formSaveBar(form), { saveLabel: "Save", discardLabel: "Discard" });
      }
    });
  }
  for (const type of ["submit", "reset"]) {
    document.addEventListener(type, (event) => {
      if (event.target?.hasAttribute?.("data-save-bar")) hideSaveBar(formSaveBar(event.target));
    });
  }

  handlers.saveBarAction = ({ which }) => shownSaveBar?.action(which);

  // <ui-modal>: drawn over the app inside its own frame (Shopify draws it over the whole admin).
  // Its content is `modal.content`, where app-bridge-react portals the children; buttons of its
  // <ui-title-bar> become the dialog's footer.
  class Modal extends HTMLElement {
    constructor() {
      super();
      this.dialog = document.createElement("dialog");
      this.dialog.className = "dev-store-modal";
      this.body = document.createElement("div");
      this.body.className = "dev-store-modal-body";
      this.dialog.addEventListener("close", () => this.hide());
    }
    get content() {
      return this.body;
    }
    get variant() {
      return this.getAttribute("variant") ?? "base";
    }
    set variant(value) {
      this.setAttribute("variant", value);
    }
    get src() {
      return this.getAttribute("src");
    }
    set src(value) {
      this.setAttribute("src", value);
    }
    get contentWindow() {
      return null;
    }
    async show() {
      if (this.dialog.open) return;
      const bar = this.querySelector("ui-title-bar");
      const header = document.createElement("header");
      header.textContent = bar?.getAttribute("title") ?? "";
      const footer = document.createElement("footer");
      // Secondary actions first, the primary one last (rightmost), as admin lays them out.
      const buttons = bar ? [...bar.querySelectorAll("button")] : [];
      buttons.sort(
        (a, b) =>
          Number(a.getAttribute("variant") === "primary") -
          Number(b.getAttribute("variant") === "primary"),
      );
      for (const button of buttons) {
        const copy = document.createElement("button");
        copy.type = "button";
        copy.textContent = button.textContent;
        copy.disabled = button.disabled;
        if (button.getAttribute("variant") === "primary") copy.className = "primary";
        copy.addEventListener("click", () => button.click());
        footer.append(copy);
      }
      if (this.src) {
        this.body.textContent = `Modals with src (${this.src}) are not emulated by the dev store.`;
      } else if (this.body.childNodes.length === 0) {
        for (const child of this.children) {
          if (!["UI-TITLE-BAR", "UI-SAVE-BAR"].includes(child.tagName)) {
            this.body.append(child.cloneNode(true));
          }
        }
      }
      this.dialog.replaceChildren(header, this.body, footer);
      this.dialog.dataset.variant = this.variant;
      document.body.append(this.dialog);
      this.dialog.showModal();
      this.dispatchEvent(new Event("show"));
    }
    async hide() {
      if (!this.dialog.isConnected) return;
      if (this.dialog.open) this.dialog.close();
      this.dialog.remove();
      this.dispatchEvent(new Event("hide"));
    }
    async toggle() {
      return this.dialog.open ? this.hide() : this.show();
    }
    disconnectedCallback() {
      this.hide();
    }
  }

  const modalStyle = document.createElement("style");
  modalStyle.textContent = `
    .dev-store-modal { border: 0; border-radius: 12px; padding: 0; width: min(620px, 90vw);
      box-shadow: 0 20px 40px rgba(0,0,0,.25); font: 13px/1.4 system-ui, sans-serif; }
    .dev-store-modal[data-variant="small"] { width: min(380px, 90vw); }
    .dev-store-modal[data-variant="large"], .dev-store-modal[data-variant="max"] { width: 90vw; }
    .dev-store-modal::backdrop { background: rgba(0,0,0,.5); }
    .dev-store-modal > header { padding: 12px 16px; font-weight: 650; background: #f3f3f3; }
    .dev-store-modal-body { padding: 16px; }
    .dev-store-modal > footer { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 16px;
      border-top: 1px solid #ebebeb; }
    .dev-store-modal > footer:empty { display: none; }
    .dev-store-modal > footer button { border: 0; border-radius: 8px; padding: 6px 12px; background: #e3e3e3; }
    .dev-store-modal > footer button.primary { background: #303030; color: #fff; }`;
  document.head.append(modalStyle);

  customElements.define("ui-nav-menu", NavMenu);
  customElements.define("ui-title-bar", TitleBar);
  customElements.define("ui-save-bar", SaveBar);
  customElements.define("ui-modal", Modal);

  // ---------------------------------------------------------------- the shopify global

  const toastCallbacks = new Map();
  handlers.toastAction = ({ id }) => toastCallbacks.get(id)?.onAction?.();
  handlers.toastDismiss = ({ id }) => {
    toastCallbacks.get(id)?.onDismiss?.();
    toastCallbacks.delete(id);
  };

  const byId = (id, tag) => {
    const element = document.getElementById(id);
    if (element?.localName !== tag) throw new Error(`No <${tag}> with id "${id}"`);
    return element;
  };

  /** An API the stand-in does not model: any use says so instead of failing obscurely. */
  function notEmulated(name) {
    return new Proxy(function () {}, {
      get: (_target, property) =>
        property === "then" || typeof property === "symbol"
          ? undefined
          : notEmulated(`${name}.${property}`),
      apply: () => {
        throw new Error(`shopify.${name} is not emulated by the dev store's App Bridge`);
      },
    });
  }

  const ready = request("handshake", { apiKey: config.apiKey, path: appLocation() }).then(
    () => undefined,
  );

  const shopify = {
    config,
    origin: ADMIN_ORIGIN,
    ready,
    environment: { embedded: true, mobile: false, pos: false },
    idToken: () => idToken(),
    loading(isLoading = true) {
      post("loading", { on: Boolean(isLoading) });
    },
    toast: {
      show(message, options = {}) {
        const id = `toast-${nextId++}`;
        toastCallbacks.set(id, options);
        post("toastShow", {
          id,
          message: String(message),
          duration: options.duration ?? 5000,
          isError: Boolean(options.isError),
          action: options.action ?? null,
        });
        return id;
      },
      hide(id) {
        toastCallbacks.delete(id);
        post("toastHide", { id });
      },
    },
    async resourcePicker(options) {
      if (!["product", "variant", "collection"].includes(options?.type)) {
        throw new Error("resourcePicker needs a type: product, variant or collection");
      }
      const { type, action, multiple, query, filter, selectionIds } = options;
      const selected = await request("resourcePicker", {
        type,
        action: action ?? "add",
        multiple: multiple ?? false,
        query: query ?? "",
        filter: filter ?? {},
        selectionIds: (selectionIds ?? []).map((selection) => selection.id),
      });
      return selected ? Object.assign(selected, { selection: selected }) : undefined;
    },
    saveBar: {
      show: (id) => byId(id, "ui-save-bar").show(),
      hide: (id) => byId(id, "ui-save-bar").hide(),
      toggle: (id) => byId(id, "ui-save-bar").toggle(),
      leaveConfirmation: () =>
        shownSaveBar ? request("leaveConfirmation").then(() => undefined) : Promise.resolve(),
    },
    modal: {
      show: (id) => byId(id, "ui-modal").show(),
      hide: (id) => byId(id, "ui-modal").hide(),
      toggle: (id) => byId(id, "ui-modal").toggle(),
    },
  };
  for (const name of [
    "user",
    "scopes",
    "scanner",
    "pos",
    "intents",
    "webVitals",
    "support",
    "reviews",
    "picker",
    "app",
    "shopifyQL",
    "tools",
    "setSignals",
  ]) {
    shopify[name] = notEmulated(name);
  }
  window.shopify = shopify;
})();
