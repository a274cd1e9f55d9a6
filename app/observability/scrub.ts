/**
 * What must never reach a log line: anything that lets its reader act as the app, a merchant or
 * Shopify. Pattern-based on purpose: a log line is free text (URLs, error messages, JSON), and the
 * values to hide come in shapes we know (Shopify's documented token prefixes, JWTs, our signed
 * file links), plus the exact values of the app's own secrets.
 */

export const REDACTED = "[redacted]";

/**
 * Query parameters Shopify or the app puts credentials in: App Bridge's session token
 * (`id_token`), the admin's launch signature (`hmac`, `signature`, with `session`, `timestamp`),
 * `host` (the admin URL, base64), the OAuth `code` and `state`, and generic token names.
 */
const SECRET_PARAMS = new Set([
  "id_token",
  "session",
  "hmac",
  "signature",
  "host",
  "code",
  "state",
  "token",
  "access_token",
  "accesstoken",
  "api_key",
  "apikey",
  "client_secret",
  "secret",
  "password",
]);

const SECRET_PARAM_IN_TEXT = new RegExp(
  `([?&;](?:${[...SECRET_PARAMS].join("|")})=)[^&#\\s"'<>]*`,
  "gi",
);

const PATTERNS: Array<[RegExp, string]> = [
  // Signed file links: the payload (expiry, key) may stay, the signature that grants access not.
  [/(\/files\/[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+/g, `$1.${REDACTED}`],
  // JWTs: App Bridge session tokens and any other signed claims.
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
  // Authorization header values, wherever they were copied into text.
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // Shopify access tokens, app secrets and API keys by their documented prefixes.
  [/\bshp(?:at|ua|ss|ca|pa|tka)_[A-Za-z0-9]+/g, REDACTED],
  // Replicate API tokens.
  [/\br8_[A-Za-z0-9]{8,}/g, REDACTED],
  // Named credentials in JSON, headers or key=value text.
  [
    /((?:access[_-]?token|api[_-]?secret|client[_-]?secret|x-shopify-access-token|shopify-access-token|authorization|password|signing[_-]?secret)["']?\s*[:=]\s*["']?)(?!\[redacted\]|(?:Bearer|Basic|Token)\s)[^"'\s,;&}]+/gi,
    `$1${REDACTED}`,
  ],
  [SECRET_PARAM_IN_TEXT, `$1${REDACTED}`],
];

/** Environment variables whose values are secrets, by name. */
const SECRET_ENV = /SECRET|TOKEN|PASSWORD|PRIVATE|CREDENTIAL/i;

/** The values of the app's own secrets in this environment (long enough not to be words). */
export function secretValues(env: Record<string, string | undefined> = process.env): string[] {
  const values = Object.entries(env)
    .filter(([name, value]) => SECRET_ENV.test(name) && value && value.trim().length >= 8)
    .map(([, value]) => value!.trim());
  // Longest first, so a secret containing another is hidden whole.
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/** The text with every credential it contains replaced by [redacted]. */
export function scrubText(text: string, secrets: readonly string[] = secretValues()): string {
  let scrubbed = text;
  for (const secret of secrets) scrubbed = scrubbed.split(secret).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}

/** Path and query of a URL, credentials in either redacted; scheme and host dropped. */
export function scrubPath(url: string | URL): string {
  const parsed = new URL(url, "http://localhost");
  const params = new URLSearchParams();
  for (const [name, value] of parsed.searchParams) {
    params.append(name, SECRET_PARAMS.has(name.toLowerCase()) ? REDACTED : value);
  }
  const query = params.toString();
  // URLSearchParams escapes the brackets; keep the mark readable.
  const readable = query.replaceAll(encodeURIComponent(REDACTED), REDACTED);
  return scrubText(parsed.pathname + (readable ? `?${readable}` : ""));
}

/** Any value, as JSON with every string scrubbed (for structured log lines). */
export function scrubJson(value: unknown, secrets: readonly string[] = secretValues()): string {
  return scrubText(JSON.stringify(value), secrets);
}
