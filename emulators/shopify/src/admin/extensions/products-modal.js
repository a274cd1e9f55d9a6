/**
 * The product list's side of an action extension: "More actions" › the extension's entry opens
 * a modal whose frame runs the extension with the selected products (as Shopify product ids).
 * The frame asks to close, or to open a page of the app, with a message.
 */
document.addEventListener("DOMContentLoaded", () => {
  "use strict";

  const form = document.querySelector("[data-bulk-form]");
  const modal = document.querySelector("[data-extension-modal]");
  const frames = JSON.parse(document.getElementById("extension-frames")?.textContent ?? "{}");
  if (!form || !modal) return;
  const iframe = modal.querySelector("iframe");
  const notice = modal.querySelector("[data-extension-error]");

  function close() {
    modal.close();
    iframe.srcdoc = "";
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-extension-action]");
    if (!button) return;
    event.preventDefault();
    const frame = frames[button.dataset.extensionAction];
    const selected = [...form.querySelectorAll('input[name="ids[]"]:checked')].map(
      (box) => `gid://shopify/Product/${box.value}`,
    );
    iframe.title = button.textContent.trim();
    notice.hidden = !frame?.error;
    notice.querySelector("p").textContent = frame?.error ?? "";
    iframe.hidden = Boolean(frame?.error);
    if (frame?.html) iframe.srcdoc = frame.html.replace('"__SELECTED__"', JSON.stringify(selected));
    modal.showModal();
  });

  modal.querySelector("[data-extension-close]").addEventListener("click", close);
  window.addEventListener("message", (event) => {
    if (event.source !== iframe.contentWindow || event.origin !== window.location.origin) return;
    if (event.data?.type === "dev-store-extension-close") close();
    if (event.data?.type === "dev-store-extension-navigate") {
      window.location.href = `${modal.dataset.appBase}${event.data.path}`;
    }
  });
});
