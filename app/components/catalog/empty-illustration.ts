/**
 * The empty states' picture: a framed photo, drawn inline so it loads with the page (Shopify's
 * CDN illustrations would be one more request, and are unreachable from an offline dev store).
 */
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="226" height="160" viewBox="0 0 226 160"><rect x="33" y="10" width="160" height="140" rx="12" fill="#f1f1f1" stroke="#c9cccf" stroke-width="4"/><circle cx="80" cy="52" r="14" fill="#c9cccf"/><path d="M45 134l42-48 26 28 24-20 44 40z" fill="#b5b5b5"/></svg>`;

export const EMPTY_ILLUSTRATION = `data:image/svg+xml,${encodeURIComponent(SVG)}`;
