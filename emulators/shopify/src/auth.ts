/**
 * Authentication as Shopify does it for embedded apps: the store mints session tokens (HS256 JWTs
 * signed with the app's secret, Shopify's claims), and the app exchanges them for offline or online
 * access tokens at /admin/oauth/access_token.
 * https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/token-exchange
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

import type { AppRegistration } from "./apps.ts";
import type { StateStore } from "./state.ts";

export const STAFF_USER = {
  id: 72_000_001,
  first_name: "Demo",
  last_name: "Merchant",
  email: "merchant@photo-studio.example",
  account_owner: true,
  locale: "en",
  collaborator: false,
  email_verified: true,
};

const base64url = (input: Buffer | string) => Buffer.from(input).toString("base64url");

export function mintSessionToken(app: AppRegistration, shop: string, lifetimeSeconds = 60): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(
    JSON.stringify({
      iss: `https://${shop}/admin`,
      dest: `https://${shop}`,
      aud: app.clientId,
      sub: String(STAFF_USER.id),
      exp: now + lifetimeSeconds,
      nbf: now,
      iat: now,
      jti: randomBytes(16).toString("hex"),
      sid: randomBytes(16).toString("hex"),
      sig: randomBytes(32).toString("hex"),
    }),
  );
  const signature = createHmac("sha256", app.clientSecret)
    .update(`${header}.${payload}`)
    .digest("base64url");
  return `${header}.${payload}.${signature}`;
}

export class TokenExchangeError extends Error {
  readonly error: string;
  constructor(error: string, description: string) {
    super(description);
    this.error = error;
  }
}

interface SessionTokenClaims {
  iss: string;
  dest: string;
  aud: string;
  sub?: string;
  exp: number;
  nbf: number;
}

export function verifySessionToken(app: AppRegistration, token: string): SessionTokenClaims {
  const [header, payload, signature] = token.split(".");
  if (!header || !payload || !signature)
    throw new TokenExchangeError("invalid_subject_token", "Malformed token");
  const expected = createHmac("sha256", app.clientSecret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new TokenExchangeError("invalid_subject_token", "Token signature is invalid");
  }
  const claims = JSON.parse(
    Buffer.from(payload, "base64url").toString("utf8"),
  ) as SessionTokenClaims;
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== app.clientId)
    throw new TokenExchangeError(
      "invalid_subject_token",
      "Token audience does not match client_id",
    );
  if (claims.exp < now - 5 || claims.nbf > now + 5)
    throw new TokenExchangeError("invalid_subject_token", "Token is expired or not yet valid");
  return claims;
}

export interface TokenExchangeRequest {
  client_id?: string;
  client_secret?: string;
  grant_type?: string;
  subject_token?: string;
  subject_token_type?: string;
  requested_token_type?: string;
}

/** Answers a token exchange for `shop`, installing the app (managed installation) if needed. */
export function exchangeToken(
  store: StateStore,
  apps: AppRegistration[],
  shop: string,
  body: TokenExchangeRequest,
) {
  const app = apps.find((candidate) => candidate.clientId === body.client_id);
  if (!app || body.client_secret !== app.clientSecret) {
    throw new TokenExchangeError("invalid_client", "Client credentials are invalid");
  }
  if (body.grant_type !== "urn:ietf:params:oauth:grant-type:token-exchange") {
    throw new TokenExchangeError("unsupported_grant_type", "grant_type must be token-exchange");
  }
  if (
    body.subject_token_type !== "urn:ietf:params:oauth:token-type:id_token" ||
    !body.subject_token
  ) {
    throw new TokenExchangeError(
      "invalid_request",
      "subject_token must be a session token (id_token)",
    );
  }
  const claims = verifySessionToken(app, body.subject_token);
  if (claims.dest !== `https://${shop}`) {
    throw new TokenExchangeError("invalid_subject_token", "Token was issued for another shop");
  }
  const shopRecord = store.shop(shop);
  if (!shopRecord) throw new TokenExchangeError("invalid_subject_token", "Shop not found");

  const scopes = app.scopes.join(",");
  const installation = shopRecord.installations[app.clientId];
  if (!installation || installation.uninstalledAt) {
    shopRecord.installations[app.clientId] = {
      clientId: app.clientId,
      scopes,
      installedAt: new Date().toISOString(),
      uninstalledAt: null,
    };
  }
  const online =
    body.requested_token_type === "urn:shopify:params:oauth:token-type:online-access-token";
  const token = `${online ? "shpua" : "shpat"}_${randomBytes(16).toString("hex")}`;
  const expiresIn = 86_399;
  store.state.accessTokens[token] = {
    token,
    shop,
    clientId: app.clientId,
    scopes,
    userId: online ? STAFF_USER.id : null,
    expiresAt: online ? new Date(Date.now() + expiresIn * 1000).toISOString() : null,
  };
  store.changed();
  return online
    ? {
        access_token: token,
        scope: scopes,
        expires_in: expiresIn,
        associated_user_scope: scopes,
        associated_user: STAFF_USER,
      }
    : { access_token: token, scope: scopes };
}

/** The app and scopes behind an Admin API access token, if it is valid for the shop. */
export function authenticateAccessToken(store: StateStore, shop: string, token: string | null) {
  if (!token) return null;
  const record = store.state.accessTokens[token];
  if (!record || record.shop !== shop) return null;
  if (record.expiresAt && Date.parse(record.expiresAt) < Date.now()) return null;
  const installation = store.shop(shop)?.installations[record.clientId];
  if (!installation || installation.uninstalledAt) return null;
  return record;
}
