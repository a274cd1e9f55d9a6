/**
 * The product list's selection: select all, the "N selected" count and the bulk actions menu.
 * The list is a plain GET form (checkboxes named ids[], one submit button per bulk action), so a
 * bulk action opens the app with `ids[]=…` like an admin link; this script only adds the menu.
 */
document.addEventListener("DOMContentLoaded", () => {
  "use strict";

  const form = document.querySelector("[data-bulk-form]");
  if (!form) return;
  const boxes = [...form.querySelectorAll('input[name="ids[]"]')];
  const all = form.querySelector("[data-select-all]");
  const count = form.querySelector("[data-selected-count]");
  const toggle = form.querySelector("[data-menu-toggle]");
  const menu = form.querySelector("[data-menu]");

  function update() {
    const selected = boxes.filter((box) => box.checked).length;
    count.textContent =
      selected === 0 ? "Select products for bulk actions" : `${selected} selected`;
    toggle.disabled = selected === 0;
    form.classList.toggle("has-selection", selected > 0);
    if (all) {
      all.checked = selected > 0 && selected === boxes.length;
      all.indeterminate = selected > 0 && selected < boxes.length;
    }
    if (selected === 0) setMenu(false);
  }

  function setMenu(open) {
    menu.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  }

  all?.addEventListener("change", () => {
    for (const box of boxes) box.checked = all.checked;
    update();
  });
  for (const box of boxes) box.addEventListener("change", update);
  toggle.addEventListener("click", () => setMenu(!menu.classList.contains("open")));
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".menu")) setMenu(false);
  });
  // A click on the row selects it, as in admin's index tables.
  form.addEventListener("click", (event) => {
    const row = event.target.closest("tbody tr");
    if (!row || event.target.closest("input, a, button")) return;
    const box = row.querySelector('input[name="ids[]"]');
    box.checked = !box.checked;
    update();
  });
  update();
});
