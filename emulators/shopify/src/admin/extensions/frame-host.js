/**
 * Runs inside the frame that hosts an admin action extension on the dev store: the `shopify`
 * global the extension's target gets (data.selected, close, query, auth.idToken, i18n, extend),
 * `fetch` to the app's backend as admin's sandbox does it (relative URLs resolve against the app's
 * URL, the session token is attached), and small stand-ins for the Polaris web components the
 * extension renders (`s-admin-action`, `s-button`, `s-select`…), so the merchant can use it.
 * Shopify runs extensions in a Web Worker and draws their tree with its own components; here the
 * tree is the frame's DOM. The configuration comes from the page as window.__extensionHost.
 */
(() => {
  "use strict";

  const config = window.__extensionHost;
  // The frame is an about:srcdoc document: it shares the admin page's origin, but its own
  // location.origin reads "null", so messages are addressed to the parent's.
  const adminOrigin = window.parent.location.origin;
  const nativeFetch = window.fetch.bind(window);
  const registered = new Map();
  let tokenPromise = null;

  async function idToken() {
    tokenPromise ??= nativeFetch(`${config.adminBase}/admin-api/session-token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ clientId: config.clientId }),
    }).then(async (response) => {
      if (!response.ok) throw new Error(`No session token (${response.status})`);
      return (await response.json()).token;
    });
    // Session tokens live a minute; a fresh one per request is what admin hands out too.
    const token = await tokenPromise;
    tokenPromise = null;
    return token;
  }

  function translate(key, options = {}) {
    let entry = key
      .split(".")
      .reduce((at, part) => (at && typeof at === "object" ? at[part] : undefined), config.messages);
    if (entry && typeof entry === "object" && typeof options.count === "number") {
      entry = entry[new Intl.PluralRules(config.locale).select(options.count)] ?? entry.other;
    }
    if (typeof entry !== "string") return key;
    return entry.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) =>
      name in options ? String(options[name]) : "",
    );
  }

  window.shopify = {
    extension: { target: config.target },
    data: { selected: config.selected.map((id) => ({ id })) },
    close: () => window.parent.postMessage({ type: "dev-store-extension-close" }, adminOrigin),
    auth: { idToken },
    i18n: {
      translate,
      formatNumber: (number, options) =>
        new Intl.NumberFormat(config.locale, options).format(number),
      formatCurrency: (number, options) =>
        new Intl.NumberFormat(config.locale, {
          style: "currency",
          currency: "USD",
          ...options,
        }).format(number),
      formatDate: (date, options) => new Intl.DateTimeFormat(config.locale, options).format(date),
    },
    // Direct Admin API access: as the app, with its access token, on the store's own API.
    async query(query, { variables } = {}) {
      const response = await nativeFetch(`/admin/api/${config.apiVersion}/graphql.json`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Shopify-Access-Token": config.accessToken,
          "x-dev-store-shop": config.shop,
        },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
    extend(target, run) {
      registered.set(target, run);
    },
  };

  window.fetch = async (input, init = {}) => {
    if (typeof input !== "string" || !input.startsWith("/")) return nativeFetch(input, init);
    const headers = new Headers(init.headers);
    if (!headers.has("Authorization")) headers.set("Authorization", `Bearer ${await idToken()}`);
    return nativeFetch(`${config.appOrigin}${input}`, { ...init, headers });
  };

  window.__runExtension = async () => {
    const run = registered.get(config.target);
    if (!run) throw new Error(`The extension registered no module for ${config.target}`);
    await run();
  };

  // ---- Polaris web component stand-ins -------------------------------------------------------

  const css = (text) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    return sheet;
  };

  class Base extends HTMLElement {
    static styles = css(":host{display:block}");
    static observedAttributes = [];
    constructor() {
      super();
      this.attachShadow({ mode: "open" }).adoptedStyleSheets = [this.constructor.styles];
    }
    connectedCallback() {
      this.update();
    }
    attributeChangedCallback() {
      if (this.isConnected) this.update();
    }
    update() {}
  }

  class AdminAction extends Base {
    static styles =
      css(`:host{display:flex;flex-direction:column;min-height:100%;font:14px/1.4 system-ui,sans-serif}
      h2{font-size:16px;margin:0;padding:16px;border-bottom:1px solid #e3e3e3}
      .body{padding:16px;flex:1} .busy{color:#616161}
      footer{display:flex;gap:8px;justify-content:flex-end;padding:12px 16px;border-top:1px solid #e3e3e3}`);
    static observedAttributes = ["heading", "loading"];
    constructor() {
      super();
      this.shadowRoot.innerHTML = `<h2></h2><div class="body"><p class="busy" role="status" hidden>Loading…</p><slot></slot></div>
        <footer><slot name="secondary-actions"></slot><slot name="primary-action"></slot></footer>`;
    }
    update() {
      this.shadowRoot.querySelector("h2").textContent = this.getAttribute("heading") ?? "";
      this.shadowRoot.querySelector(".busy").hidden = !this.hasAttribute("loading");
    }
  }

  class Button extends Base {
    static styles =
      css(`:host{display:inline-block} button{font:inherit;padding:6px 12px;border-radius:8px;border:1px solid #c9c9c9;background:#fff;cursor:pointer}
      :host([variant=primary]) button{background:#303030;color:#fff;border-color:#303030} button:disabled{opacity:.5;cursor:default}`);
    static observedAttributes = ["disabled", "loading"];
    constructor() {
      super();
      this.shadowRoot.innerHTML = "<button type=button><slot></slot></button>";
      // A disabled button does nothing: the click stops before the extension's own listener.
      this.addEventListener(
        "click",
        (event) => {
          if (this.hasAttribute("disabled") || this.hasAttribute("loading")) {
            event.stopImmediatePropagation();
          }
        },
        { capture: true },
      );
    }
    update() {
      const button = this.shadowRoot.querySelector("button");
      button.disabled = this.hasAttribute("disabled") || this.hasAttribute("loading");
      button.setAttribute("aria-busy", String(this.hasAttribute("loading")));
    }
  }

  class Banner extends Base {
    static styles = css(`div{border-radius:8px;padding:8px 12px;margin:0 0 8px;background:#eaf4ff}
      :host([tone=critical]) div{background:#fee9e8} :host([tone=warning]) div{background:#fff1d6} :host([tone=success]) div{background:#e0f5e9}
      strong{display:block;margin-bottom:4px}`);
    static observedAttributes = ["heading", "tone"];
    constructor() {
      super();
      this.shadowRoot.innerHTML = "<div><strong></strong><slot></slot></div>";
    }
    update() {
      const tone = this.getAttribute("tone");
      this.shadowRoot
        .querySelector("div")
        .setAttribute("role", tone === "critical" ? "alert" : "status");
      this.shadowRoot.querySelector("strong").textContent = this.getAttribute("heading") ?? "";
    }
  }

  class Select extends Base {
    static styles = css(
      `label{display:block;margin-bottom:4px} select{font:inherit;padding:6px;width:100%}`,
    );
    static observedAttributes = ["label", "value"];
    constructor() {
      super();
      this.shadowRoot.innerHTML = "<label for=s></label><select id=s></select>";
      const select = this.shadowRoot.querySelector("select");
      select.addEventListener("change", () => {
        this._value = select.value;
        this.dispatchEvent(new Event("change"));
      });
      new MutationObserver(() => this.update()).observe(this, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true,
      });
    }
    get value() {
      return this._value ?? this.getAttribute("value") ?? "";
    }
    set value(value) {
      this._value = value;
      this.update();
    }
    update() {
      this.shadowRoot.querySelector("label").textContent = this.getAttribute("label") ?? "";
      const select = this.shadowRoot.querySelector("select");
      select.replaceChildren(
        ...[...this.children].map((child) => {
          if (child.localName === "s-option-group") {
            const group = document.createElement("optgroup");
            group.label = child.getAttribute("label") ?? "";
            group.append(...[...child.children].map(optionFor));
            return group;
          }
          return optionFor(child);
        }),
      );
      select.value = this.value;
    }
  }
  const optionFor = (element) =>
    new Option(element.textContent, element.getAttribute("value") ?? "");

  class Thumbnail extends Base {
    static styles = css(
      `:host{display:inline-block} img,span{display:block;width:40px;height:40px;border-radius:6px;object-fit:cover;background:#f1f1f1}`,
    );
    static observedAttributes = ["src", "alt"];
    update() {
      const src = this.getAttribute("src");
      this.shadowRoot.innerHTML = src ? "<img>" : "<span role=img></span>";
      const image = this.shadowRoot.firstElementChild;
      if (src) image.src = src;
      image.setAttribute(src ? "alt" : "aria-label", this.getAttribute("alt") ?? "");
    }
  }

  class Progress extends Base {
    static styles = css("progress{width:100%}");
    static observedAttributes = ["value", "max", "accessibilitylabel"];
    constructor() {
      super();
      this.shadowRoot.innerHTML = "<progress></progress>";
    }
    set accessibilityLabel(label) {
      this.shadowRoot.querySelector("progress").setAttribute("aria-label", label);
    }
    update() {
      const progress = this.shadowRoot.querySelector("progress");
      progress.max = Number(this.getAttribute("max") ?? 1);
      progress.value = Number(this.getAttribute("value") ?? 0);
    }
  }

  class Link extends Base {
    static styles = css(":host{display:inline} a{color:#005bd3}");
    static observedAttributes = ["href"];
    constructor() {
      super();
      this.shadowRoot.innerHTML = "<a><slot></slot></a>";
      this.shadowRoot.querySelector("a").addEventListener("click", (event) => {
        const href = this.getAttribute("href") ?? "";
        // `app:` links open a page of the extension's app, in the admin (not in the modal).
        if (href.startsWith("app:")) {
          event.preventDefault();
          window.parent.postMessage(
            { type: "dev-store-extension-navigate", path: href.slice(4) },
            adminOrigin,
          );
        }
      });
    }
    update() {
      const href = this.getAttribute("href") ?? "";
      this.shadowRoot.querySelector("a").href = href.startsWith("app:")
        ? `${config.appBase}${href.slice(4)}`
        : href;
    }
  }

  class Stack extends Base {
    static styles = css(`:host{display:flex;flex-direction:column;gap:12px;margin-bottom:12px}
      :host([direction=inline]){flex-direction:row;flex-wrap:wrap;align-items:center;gap:8px}`);
    constructor() {
      super();
      this.shadowRoot.innerHTML = "<slot></slot>";
    }
  }

  class Text extends Base {
    static styles = css(
      `:host{display:inline} :host([type=strong]){font-weight:600} :host([color=subdued]){color:#616161}`,
    );
    constructor() {
      super();
      this.shadowRoot.innerHTML = "<slot></slot>";
    }
  }

  class Paragraph extends Text {
    static styles = css(":host{display:block;margin:0}");
  }

  class Hidden extends Base {
    static styles = css(":host{display:none}");
  }

  for (const [name, element] of Object.entries({
    "s-admin-action": AdminAction,
    "s-button": Button,
    "s-banner": Banner,
    "s-select": Select,
    // A registry takes each constructor once: a second name needs a class of its own.
    "s-option": class extends Hidden {},
    "s-option-group": class extends Hidden {},
    "s-thumbnail": Thumbnail,
    "s-progress": Progress,
    "s-link": Link,
    "s-stack": Stack,
    "s-text": Text,
    "s-paragraph": Paragraph,
  })) {
    customElements.define(name, element);
  }
})();
