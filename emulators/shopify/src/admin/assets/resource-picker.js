/**
 * The resource picker dialog the admin opens for `shopify.resourcePicker()`: search, pick one or
 * several products (or variants), Add/Select or Cancel. Resolves with the picked resources in App
 * Bridge's shape (served by the dev store's /admin-api/resource-picker), or null when cancelled.
 */
(() => {
  "use strict";

  const NOUNS = { product: "products", variant: "variants", collection: "collections" };

  async function search(options, query) {
    const response = await fetch(`${document.body.dataset.adminBase}/admin-api/resource-picker`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: options.type, query, filter: options.filter }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.errors ?? `Search failed (${response.status})`);
    return body.items;
  }

  function element(tag, properties = {}, children = []) {
    const node = Object.assign(document.createElement(tag), properties);
    node.append(...children);
    return node;
  }

  function open(options) {
    const dialog = document.querySelector("[data-resource-picker]");
    const noun = NOUNS[options.type];
    const verb = options.action === "select" ? "Select" : "Add";
    const limit =
      options.multiple === true ? Infinity : Number(options.multiple) > 1 ? options.multiple : 1;
    const selected = new Map();
    const preselected = new Set(options.selectionIds);

    const input = element("input", {
      type: "search",
      value: options.query,
      placeholder: `Search ${noun}`,
      ariaLabel: `Search ${noun}`,
    });
    const list = element("ul", { className: "picker-list" });
    const count = element("span", { className: "picker-count" });
    const cancel = element("button", {
      type: "button",
      className: "button",
      textContent: "Cancel",
    });
    const confirm = element("button", {
      type: "button",
      className: "button button-primary",
      textContent: verb,
    });

    function update() {
      count.textContent = `${selected.size} selected${limit === Infinity ? "" : ` (up to ${limit})`}`;
      confirm.disabled = selected.size === 0;
      for (const box of list.querySelectorAll("input")) {
        box.checked = selected.has(box.value);
        box.disabled = !box.checked && limit > 1 && selected.size >= limit;
      }
    }

    function choose(item, checked) {
      if (!checked) selected.delete(item.resource.id);
      else {
        if (limit === 1) selected.clear();
        selected.set(item.resource.id, item.resource);
      }
      update();
    }

    function render(items) {
      for (const item of items) {
        if (preselected.delete(item.resource.id)) selected.set(item.resource.id, item.resource);
      }
      list.replaceChildren(
        ...(items.length === 0
          ? [element("li", { className: "picker-empty", textContent: `No ${noun} found` })]
          : items.map((item) => {
              const box = element("input", {
                type: limit === 1 ? "radio" : "checkbox",
                name: "picker-selection",
                value: item.resource.id,
              });
              box.addEventListener("change", () => choose(item, box.checked));
              const thumbnail = item.thumbnail
                ? element("img", { src: item.thumbnail, alt: "", width: 40, height: 40 })
                : element("span", { className: "thumb-empty" });
              return element("li", {}, [
                element("label", {}, [
                  box,
                  thumbnail,
                  element("span", { className: "picker-title", textContent: item.title }),
                  element("span", { className: "picker-subtitle", textContent: item.subtitle }),
                ]),
              ]);
            })),
      );
      update();
    }

    let latest = 0;
    async function refresh() {
      const ticket = ++latest;
      try {
        const items = await search(options, input.value);
        if (ticket === latest) render(items);
      } catch (error) {
        list.replaceChildren(
          element("li", { className: "picker-empty", textContent: error.message }),
        );
      }
    }

    let typing = null;
    input.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(refresh, 200);
    });

    dialog.replaceChildren(
      element("header", {}, [element("h2", { textContent: `${verb} ${noun}` })]),
      element("div", { className: "picker-search" }, [input]),
      list,
      element("footer", {}, [
        count,
        element("div", { className: "picker-actions" }, [cancel, confirm]),
      ]),
    );
    void refresh();
    dialog.showModal();

    return new Promise((resolve) => {
      let result = null;
      cancel.addEventListener("click", () => dialog.close());
      confirm.addEventListener("click", () => {
        result = [...selected.values()];
        dialog.close();
      });
      dialog.addEventListener("close", () => resolve(result), { once: true });
    });
  }

  window.devStoreResourcePicker = { open };
})();
