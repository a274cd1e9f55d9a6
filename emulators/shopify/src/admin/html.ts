/**
 * HTML for the admin shell's pages, escaped by construction: every value interpolated into an
 * `html` template is escaped unless it is itself the result of `html` (product titles come from
 * merchants and apps, and the shell must not be a place where they run as markup).
 */
const SAFE = Symbol("safe html");

export interface SafeHtml {
  readonly [SAFE]: true;
  readonly value: string;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

function trusted(value: string): SafeHtml {
  return { [SAFE]: true, value };
}

function isSafe(value: unknown): value is SafeHtml {
  return typeof value === "object" && value !== null && SAFE in value;
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return "";
  if (isSafe(value)) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/** Markup from trusted literals; interpolated values are escaped, nested `html` kept as is. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let value = strings[0]!;
  values.forEach((interpolated, index) => {
    value += render(interpolated) + strings[index + 1]!;
  });
  return trusted(value);
}

/** A JSON value embedded in a `<script type="application/json">` block. */
export function jsonScript(id: string, data: unknown): SafeHtml {
  // "<" is escaped so that no string in the data can close the script element.
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  return html`<script type="application/json" id="${id}">
    ${trusted(json)}
  </script>`;
}

export function htmlResponse(body: SafeHtml, status = 200): Response {
  return new Response(`<!doctype html>\n${body.value}`, {
    status,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}
