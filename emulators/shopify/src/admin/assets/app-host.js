/**
 * The admin shell's side of App Bridge, on the page that frames an app: answers the stand-in in the
 * app's iframe (session tokens, resource picker) and shows what the app asks the admin to show
 * (title bar, navigation items, save bar, toasts, loading bar). Protocol:
 * emulators/shopify/app-bridge/README.md. Loaded in <head>, so it listens before the iframe loads.
 */
(() => {
  "use strict";

  const BRIDGE = "dev-store-app-bridge";
  const ADMIN = "dev-store-admin";

  let context = null;
  const app = () => (context ??= JSON.parse(document.getElementById("app-context").textContent));
  const frame = () => document.getElementById("app-iframe");
  const $ = (selector) => document.querySelector(selector);

  let connected = false;
  let homeHref = null;
  let saveBar = null;

  function send(message) {
    frame()?.contentWindow?.postMessage({ source: ADMIN, ...message }, app().appOrigin);
  }
  const emit = (type, payload) => send({ type, payload });

  window.addEventListener("message", async (event) => {
    const iframe = frame();
    if (!iframe || event.source !== iframe.contentWindow) return;
    if (event.origin !== app().appOrigin) return;
    const message = event.data;
    if (!message || message.source !== BRIDGE || !Object.hasOwn(handlers, message.type)) return;
    try {
      const result = await handlers[message.type](message.payload ?? {});
      if (message.id !== undefined) send({ type: "response", id: message.id, result });
    } catch (error) {
      if (message.id !== undefined)
        send({ type: "response", id: message.id, error: error.message });
      else console.error("[dev store admin]", error);
    }
  });

  /** Where a URL the app sends the admin to lands: Shopify admin addresses map to the shell. */
  function adminAddress(url) {
    const target = new URL(url, location.href);
    const store = /^\/store\/([^/]+)(\/.*)?$/.exec(target.pathname);
    if (target.hostname === "admin.shopify.com" && store) {
      return `/store/${store[1]}${store[2] ?? ""}${target.search}${target.hash}`;
    }
    const shopAdmin = /^([a-z0-9][a-z0-9-]*)\.myshopify\.com$/.exec(target.hostname);
    if (shopAdmin && /^\/admin(\/|$)/.test(target.pathname)) {
      return `/store/${shopAdmin[1]}${target.pathname.slice("/admin".length)}${target.search}`;
    }
    return target.href;
  }

  const appAddress = (path) => `${app().appBase}${path === "/" ? "" : path}`;

  const handlers = {
    handshake({ path }) {
      connected = true;
      if (path) handlers.location({ path });
      return { shop: app().shop, host: app().host, locale: "en" };
    },

    async idToken() {
      // The token is always for the framed app, whatever the page asks for.
      const response = await fetch(`${document.body.dataset.adminBase}/admin-api/session-token`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ clientId: app().clientId }),
      });
      if (!response.ok)
        throw new Error(`The admin could not issue a session token (${response.status})`);
      return (await response.json()).token;
    },

    resourcePicker(options) {
      return window.devStoreResourcePicker.open(options);
    },

    leaveConfirmation() {
      // Answered only when the merchant agrees, as App Bridge's promise resolves only then.
      return new Promise((resolve) => {
        if (window.confirm("Leave this page? Your unsaved changes will be lost.")) resolve(null);
      });
    },

    location({ path }) {
      history.replaceState(null, "", appAddress(path));
    },

    navMenu({ items }) {
      homeHref = items.find((item) => item.rel === "home")?.href ?? null;
      const list = $(`[data-app-nav="${CSS.escape(app().handle)}"]`);
      list.replaceChildren(
        ...items
          .filter((item) => item.rel !== "home" && item.href)
          .map((item) => {
            const link = document.createElement("a");
            link.href = appAddress(item.href);
            link.dataset.appHref = item.href;
            link.textContent = item.label;
            const entry = document.createElement("li");
            entry.append(link);
            return entry;
          }),
      );
    },

    titleBar({ title, actions = [] }) {
      $("[data-title-bar-title]").textContent = title || app().name;
      const breadcrumb = $("[data-title-bar-breadcrumb]");
      const buttons = $("[data-title-bar-actions]");
      breadcrumb.replaceChildren();
      buttons.replaceChildren();
      actions.forEach((action, index) => {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = action.label;
        button.disabled = action.disabled;
        button.className = `button${action.variant === "primary" ? " button-primary" : ""}${
          action.tone === "critical" ? " button-critical" : ""
        }`;
        button.addEventListener("click", () => emit("titleBarAction", { index }));
        (action.variant === "breadcrumb" ? breadcrumb : buttons).append(button);
      });
      breadcrumb.hidden = breadcrumb.childElementCount === 0;
    },

    saveBar(state) {
      saveBar = state.visible ? state : null;
      const bar = $(".save-bar");
      bar.hidden = !state.visible;
      $(".top-bar").classList.toggle("saving", Boolean(state.visible));
      if (!state.visible) return;
      $('[data-save-bar-action="save"]').textContent = state.saveLabel;
      $('[data-save-bar-action="discard"]').textContent = state.discardLabel;
    },

    toastShow({ id, message, duration, isError, action }) {
      const toast = document.createElement("div");
      toast.className = `toast${isError ? " toast-error" : ""}`;
      toast.dataset.toastId = id;
      toast.setAttribute("role", isError ? "alert" : "status");
      const text = document.createElement("span");
      text.textContent = message;
      toast.append(text);
      if (action) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "toast-action";
        button.textContent = action;
        button.addEventListener("click", () => emit("toastAction", { id }));
        toast.append(button);
      }
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "toast-dismiss";
      dismiss.setAttribute("aria-label", "Dismiss");
      dismiss.textContent = "×";
      dismiss.addEventListener("click", () => {
        toast.remove();
        emit("toastDismiss", { id });
      });
      toast.append(dismiss);
      $(".toasts").append(toast);
      setTimeout(() => toast.remove(), duration);
    },

    toastHide({ id }) {
      document.querySelector(`[data-toast-id="${CSS.escape(id)}"]`)?.remove();
    },

    loading({ on }) {
      $(".loading-bar").hidden = !on;
    },

    navigateTop({ url }) {
      location.assign(adminAddress(url));
    },

    navigateUnhandled({ href }) {
      location.assign(appAddress(href));
    },
  };

  document.addEventListener("click", (event) => {
    const saveAction = event.target.closest("[data-save-bar-action]");
    if (saveAction && saveBar) {
      const which = saveAction.dataset.saveBarAction;
      const confirmed =
        which !== "discard" ||
        !saveBar.discardConfirmation ||
        window.confirm("Discard all unsaved changes?");
      if (confirmed) emit("saveBarAction", { which });
      return;
    }
    const link = event.target.closest("a[href]");
    if (!link) return;
    // Like admin, the save bar holds the merchant on the page until they save or discard.
    if (saveBar) {
      event.preventDefault();
      const bar = $(".save-bar");
      bar.classList.remove("attention");
      requestAnimationFrame(() => bar.classList.add("attention"));
      return;
    }
    // The app's own navigation items move the app without reloading it, once it has connected.
    const href = link.dataset.appHref ?? (link.dataset.appHome === app().handle ? homeHref : null);
    if (!connected || !href) return;
    event.preventDefault();
    emit("navigate", { href });
    for (const current of document.querySelectorAll('.nav [aria-current="page"]')) {
      current.removeAttribute("aria-current");
    }
    link.setAttribute("aria-current", "page");
  });
})();
