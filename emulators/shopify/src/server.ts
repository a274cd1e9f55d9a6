/**
 * The local Shopify dev store: one HTTP server that answers where the app talks to Shopify
 * (token exchange, the Admin GraphQL API, the CDN, staged upload targets) and where a merchant
 * looks at Shopify (the admin shell), for any number of shops.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

import { createAdminGraphql } from "./admin-graphql.ts";
import type { AppRegistration } from "./apps.ts";
import { authenticateAccessToken, exchangeToken, TokenExchangeError } from "./auth.ts";
import { parseCdnParams, renderCdnImage } from "./cdn.ts";
import type { ResolverContext, ResolverModule } from "./context.ts";
import { adminShellRoutes } from "./admin-shell.ts";
import { billingRoutes } from "./billing-pages.ts";
import { bulkResultRoutes } from "./bulk-results.ts";
import { controlRoutes } from "./control.ts";
import {
  DevStoreFaults,
  isDroppedResponse,
  type FaultReport,
  type FaultSettings,
} from "./faults.ts";
import type { BulkExecutionTarget } from "./bulk-runner.ts";
import * as lifecycle from "./lifecycle.ts";
import { STAGED_UPLOADS_PATH } from "./media/staged-targets.ts";
import { DevStoreRuntime, type BulkPace } from "./runtime.ts";
import { billingResolvers } from "./resolvers/billing.ts";
import { bulkOperationResolvers } from "./resolvers/bulk-operations.ts";
import { fileResolvers } from "./resolvers/files.ts";
import { productResolvers } from "./resolvers/products.ts";
import { shopResolvers } from "./resolvers/shop.ts";
import { uploadRoutes } from "./uploads.ts";
import { adminSchema } from "./schema.ts";
import { StateStore, nowIso, type ShopPlan, type ShopRecord } from "./state.ts";
import { CostBuckets, DEFAULT_BUCKET_SECONDS } from "./throttle.ts";
import { WebhookDispatcher } from "./webhooks.ts";

export const SUPPORTED_API_VERSIONS = ["2026-10", "2026-07"];

/** Header the app-side router sets so the dev store knows which https://<shop> was meant. */
export const SHOP_HEADER = "x-dev-store-shop";

export interface DevStoreOptions {
  apps: AppRegistration[];
  /** Where state and uploaded files persist; null keeps everything in memory (tests). */
  dataDir?: string | null;
  port?: number;
  host?: string;
  /** Origin browsers use to reach the dev store, if not http://<host>:<port>. */
  publicOrigin?: string;
  bucketSeconds?: number;
  /** How long media stays PROCESSING before it is READY. */
  processingDelayMs?: number;
  webhookRetryDelaysMs?: number[];
  /** Extra resolver modules (tests of a capability the dev store does not model yet). */
  resolverModules?: ResolverModule[];
}

/** A request handler of a part of the dev store; null means "not mine". */
export type DevStoreRoute = (
  request: Request,
  url: URL,
  devStore: DevStore,
) => Promise<Response | null>;

export interface CreateShopInput {
  domain: string;
  name?: string;
  plan?: ShopPlan;
  email?: string;
  currencyCode?: string;
}

export class DevStore {
  readonly store: StateStore;
  readonly apps: AppRegistration[];
  readonly webhooks: WebhookDispatcher;
  readonly buckets: CostBuckets;
  readonly processingDelayMs: number;
  /** Failures switched on by tests and the demo (faults.ts). */
  readonly faults = new DevStoreFaults();
  readonly routes: DevStoreRoute[] = [
    uploadRoutes,
    bulkResultRoutes,
    billingRoutes,
    controlRoutes,
    adminShellRoutes,
  ];
  private server: http.Server | null = null;
  private origin = "";
  private publicOriginOption: string | undefined;
  private graphqlHandlers = new Map<string, ReturnType<typeof createAdminGraphql>>();
  private resolverModules: ResolverModule[];

  constructor(options: DevStoreOptions) {
    this.store = new StateStore(options.dataDir ?? null);
    this.apps = options.apps;
    this.webhooks = new WebhookDispatcher(() => this.apps, options.webhookRetryDelaysMs);
    this.buckets = new CostBuckets(options.bucketSeconds ?? DEFAULT_BUCKET_SECONDS);
    this.processingDelayMs = options.processingDelayMs ?? 500;
    this.publicOriginOption = options.publicOrigin;
    this.resolverModules = [...defaultResolverModules, ...(options.resolverModules ?? [])];
  }

  /** The URL at which the app (server side) reaches the dev store. */
  get url() {
    return this.origin;
  }

  /** The URL at which browsers reach the dev store (admin shell, CDN images). */
  get publicOrigin() {
    return this.publicOriginOption ?? this.origin;
  }

  async listen(port = 0, host = "127.0.0.1") {
    this.server = http.createServer((req, res) => void this.handleNode(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const address = this.server.address() as AddressInfo;
    this.origin = `http://${host}:${address.port}`;
    return this;
  }

  async close() {
    this.faults.releaseHanging();
    this.webhooks.stop();
    await this.webhooks.idle();
    this.store.flush();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    this.server?.closeAllConnections();
  }

  createShop(input: CreateShopInput): ShopRecord {
    const existing = this.store.shop(input.domain);
    if (existing) return existing;
    const shop: ShopRecord = {
      domain: input.domain,
      name: input.name ?? input.domain.replace(/\.myshopify\.com$/, ""),
      email: input.email ?? `owner@${input.domain}`,
      plan: input.plan ?? "Development",
      currencyCode: input.currencyCode ?? "USD",
      ianaTimezone: "America/New_York",
      createdAt: nowIso(),
      installations: {},
      products: [],
      files: [],
      bulkOperations: [],
      subscriptions: [],
      oneTimePurchases: [],
      usageRecords: [],
    };
    this.store.state.shops[input.domain] = shop;
    this.store.changed();
    return shop;
  }

  /** The resolver context for a shop and app, outside of HTTP (seeding, admin shell, tests). */
  context(shop: ShopRecord, clientId: string, scopes: string[]): ResolverContext {
    return {
      store: this.store,
      shop,
      clientId,
      scopes,
      publicUrl: (path) => `${this.publicOrigin}${path}`,
      emitWebhook: (topic, payload) => this.webhooks.emit(shop.domain, topic, payload),
      // The dev store's clock, which tests and the control API can advance.
      now: () => this.now(),
    };
  }

  graphqlFor(version: string) {
    let handler = this.graphqlHandlers.get(version);
    if (!handler) {
      const schema = adminSchema(version);
      if (!schema) return null;
      handler = createAdminGraphql({
        schema,
        modules: this.resolverModules,
        buckets: this.buckets,
      });
      this.graphqlHandlers.set(version, handler);
    }
    return handler;
  }

  private async handleNode(req: http.IncomingMessage, res: http.ServerResponse) {
    try {
      const url = new URL(req.url ?? "/", this.origin);
      // Aborts when the client goes away, so a held response (a "timeout" fault) can end early.
      const connection = new AbortController();
      res.on("close", () => connection.abort());
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const request = new Request(url, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
        signal: connection.signal,
      });
      const response = (await this.handle(request, url)) ?? json({ errors: "Not Found" }, 404);
      if (isDroppedResponse(response)) {
        res.destroy();
        return;
      }
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      console.error("[dev store]", error);
      res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: "Internal error in the dev store" }));
    }
  }

  async handle(request: Request, url: URL): Promise<Response | null> {
    const shopDomain = request.headers.get(SHOP_HEADER) ?? url.hostname;

    if (url.pathname === "/admin/oauth/access_token" && request.method === "POST") {
      return this.tokenExchange(request, shopDomain);
    }
    const graphqlPath = /^\/admin\/api\/([\w-]+)\/graphql\.json$/.exec(url.pathname);
    if (graphqlPath && request.method === "POST") {
      return this.adminGraphql(request, shopDomain, graphqlPath[1]!);
    }
    const cdnPath = /^\/cdn\/shop\/files\/\d+\/(\d+)\/[^/]+$/.exec(url.pathname);
    if (cdnPath && request.method === "GET") {
      return this.faults.refuse("cdn") ?? this.cdn(Number(cdnPath[1]), url);
    }
    if (url.pathname.startsWith(`${STAGED_UPLOADS_PATH}/`) && request.method !== "OPTIONS") {
      const refused = this.faults.refuse("stagedUpload");
      if (refused) return refused;
    }

    for (const route of this.routes) {
      const response = await route(request, url, this);
      if (response) return response;
    }
    return null;
  }

  private async tokenExchange(request: Request, shopDomain: string) {
    const contentType = request.headers.get("content-type") ?? "";
    const body = contentType.includes("application/json")
      ? ((await request.json()) as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(await request.text()));
    try {
      return json(exchangeToken(this.store, this.apps, shopDomain, body));
    } catch (error) {
      if (error instanceof TokenExchangeError) {
        return json(
          { error: error.error, error_description: error.message },
          error.error === "invalid_client" ? 401 : 400,
        );
      }
      throw error;
    }
  }

  private async adminGraphql(request: Request, shopDomain: string, version: string) {
    const shop = this.store.shop(shopDomain);
    const token = authenticateAccessToken(
      this.store,
      shopDomain,
      request.headers.get("x-shopify-access-token"),
    );
    if (!shop || !token) {
      return json(
        { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" },
        401,
      );
    }
    const handler = this.graphqlFor(version);
    if (!handler) return json({ errors: "Not Found" }, 404);
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return json({ errors: { query: "Required parameter missing or invalid" } }, 400);
    }
    const context = this.context(shop, token.clientId, token.scopes.split(","));
    return this.faults.adminGraphql({
      version,
      body: body as Record<string, unknown>,
      signal: request.signal,
      // The bucket admin-graphql.ts charges, read without taking anything.
      throttleStatus: () => this.buckets.refund(`${shop.domain}:${token.clientId}`, shop.plan, 0),
      run: async () => json(await handler(body as Record<string, unknown>, context)),
    });
  }

  private async cdn(fileId: number, url: URL) {
    for (const shop of Object.values(this.store.state.shops)) {
      const file = shop.files.find((candidate) => candidate.id === fileId);
      if (!file?.blobKey) continue;
      const bytes = this.store.readBlob(file.blobKey);
      if (!bytes) break;
      const rendered = await renderCdnImage(bytes, file.mimeType, parseCdnParams(url.searchParams));
      return new Response(new Uint8Array(rendered.body), {
        headers: {
          "Content-Type": rendered.contentType,
          "Cache-Control": "public, max-age=31536000, immutable",
          "Access-Control-Allow-Origin": "*",
        },
      });
    }
    return new Response("Not Found", { status: 404 });
  }

  // --- Clock, app lifecycle, bulk operations and billing (runtime.ts, lifecycle.ts) -----------

  /** The clock, timers and per-app webhooks of bulk operations, billing and the app lifecycle. */
  readonly runtime = new DevStoreRuntime(this);

  /** The dev store's time: real time, plus however far advanceClock moved it. */
  now(): Date {
    return this.runtime.now();
  }

  /** Moves the clock forward and sends what came due (shop/redact, charges expiring, renewing). */
  advanceClock(hours: number) {
    return lifecycle.advanceClock(this, hours);
  }

  /** The merchant uninstalls an app: tokens revoked, app/uninstalled now, shop/redact in 48 h. */
  uninstallApp(shop: string, clientId: string) {
    return lifecycle.uninstallApp(this, shop, clientId);
  }

  /** The merchant changes the scopes granted to an app: app/scopes_update. */
  updateScopes(shop: string, clientId: string, scopes: string[]) {
    return lifecycle.updateScopes(this, shop, clientId, scopes);
  }

  /** A privacy request to the shop's apps, as Shopify sends it. */
  triggerCompliance(
    shop: string,
    topic: lifecycle.ComplianceTopic,
    options?: lifecycle.ComplianceOptions,
  ) {
    return lifecycle.triggerCompliance(this, shop, topic, options);
  }

  /** How long bulk operations take to start and between pages (tests hold them or hurry them). */
  setBulkOperationPace(pace: Partial<BulkPace>) {
    Object.assign(this.runtime.bulkPace, pace);
  }

  /** Switches failures on (faults.ts); the counts start again from zero. */
  injectFaults(settings: FaultSettings): FaultReport {
    return this.faults.configure(settings);
  }

  /** Switches failures off; what was injected stays countable. */
  clearFaults(): FaultReport {
    return this.faults.clear();
  }

  /** What bulk queries run against: Shopify's schema and every module's query resolvers. */
  bulkExecutionTarget(): BulkExecutionTarget {
    return {
      schema: adminSchema(SUPPORTED_API_VERSIONS[0]!)!,
      query: Object.assign({}, ...this.resolverModules.map((module) => module.query ?? {})),
    };
  }
}

const defaultResolverModules: ResolverModule[] = [
  shopResolvers,
  productResolvers,
  fileResolvers,
  bulkOperationResolvers,
  billingResolvers,
];

export function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8" },
  });
}

export async function startDevStore(options: DevStoreOptions) {
  return new DevStore(options).listen(options.port ?? 0, options.host ?? "127.0.0.1");
}
