/**
 * A local stand-in for Replicate's HTTP API (https://replicate.com/docs/reference/http): the
 * prediction endpoints, the files API, signed webhooks and expiring output files, for the
 * emulated models in models.ts, with fault injection for tests. The app's production code talks
 * to it through the real `replicate` client, pointed here with `baseUrl`.
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

import { FaultInjector, type Faults } from "./faults.ts";
import { EMULATED_MODELS, type FakeModel, type ModelContext, type ModelResult } from "./models.ts";
import { RateLimiter, type RateLimits } from "./rate-limits.ts";
import {
  WEBHOOK_EVENTS,
  WebhookDispatcher,
  generateSigningSecret,
  type WebhookEvent,
} from "./webhooks.ts";

export interface ReplicateEmulatorOptions {
  /** API tokens accepted in `Authorization: Bearer <token>`. */
  tokens?: string[];
  /** The account's webhook signing secret (whsec_…); generated when absent. */
  webhookSigningSecret?: string;
  /** How long output files (and the prediction's data) last; Replicate keeps them an hour. */
  outputTtlMs?: number;
  /** What an expired output URL answers. */
  expiredOutputStatus?: 404 | 410;
  /** Time in "starting" (queueing, cold boot) and in "processing", unless a fault says otherwise. */
  startingMs?: number;
  processingMs?: number;
  webhookRetryDelaysMs?: number[];
  models?: readonly FakeModel[];
  /**
   * Fixed time from creation to the finished prediction, for every model (load tests' "provider
   * latency"); replaces startingMs + processingMs. A `slow` fault still wins.
   */
  latencyMs?: number;
  /** The same per model ("owner/name"), over latencyMs. */
  modelLatencyMs?: Record<string, number>;
  /** Replicate's account rate limits, enforced: true for its real figures (rate-limits.ts). */
  rateLimits?: RateLimits | boolean;
  /**
   * Reuse a model's output for an input it has already run (same version, same parameters, same
   * image bytes) instead of computing it again. Load tests send the same few catalog photos
   * hundreds of times; on one machine, recomputing them spends the CPU the app under test needs,
   * where the real service's compute is elsewhere. Nothing visible changes: predictions are still
   * created, queued, timed, billed and delivered one by one.
   */
  memoizeOutputs?: boolean;
}

/** Outputs kept by memoizeOutputs, most recently used last. */
const MEMO_ENTRIES = 128;

/** What can be changed on a running emulator (`configure()`, POST /_emulator/config). */
export type EmulatorConfig = Pick<
  ReplicateEmulatorOptions,
  "latencyMs" | "modelLatencyMs" | "rateLimits"
>;

/** One created prediction, as it would appear on the bill. */
export interface BillingRecord {
  id: string;
  model: string;
  /** sha256 of the model and its input (files by content): equal inputs, equal digests. */
  inputDigest: string;
  status: string;
  createdAt: string;
  predictTimeSeconds: number | null;
}

export const EMULATOR_TOKEN = "r8_emulator_token_0000000000000000000000";

type Status = "starting" | "processing" | "succeeded" | "failed" | "canceled";
const TERMINAL: readonly Status[] = ["succeeded", "failed", "canceled"];

interface PredictionRecord {
  id: string;
  model: FakeModel;
  input: Record<string, unknown>;
  inputDigest: string;
  /** Fixed creation-to-finish time, when configured for its model at creation. */
  latencyMs: number | null;
  status: Status;
  output: unknown;
  error: string | null;
  logs: string;
  dataRemoved: boolean;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  webhook: string | null;
  events: readonly WebhookEvent[];
  timers: NodeJS.Timeout[];
  settled: Promise<void>;
  settle: () => void;
}

interface StoredFile {
  id: string;
  name: string;
  contentType: string;
  bytes: Buffer;
  metadata: unknown;
  createdAt: Date;
}

interface Delivery {
  bytes: Buffer;
  contentType: string;
  expiresAt: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number | "dropped";
  at: number;
}

/** Returned by a handler to close the connection without an answer. */
const DROP = Symbol("drop connection");

export class ReplicateEmulator {
  readonly faults = new FaultInjector();
  readonly webhooks: WebhookDispatcher;
  readonly requests: RequestRecord[] = [];
  readonly stats = { ...EMPTY_STATS };
  readonly signingSecret: string;
  private readonly tokens: Set<string>;
  private readonly options: Required<
    Pick<
      ReplicateEmulatorOptions,
      "outputTtlMs" | "expiredOutputStatus" | "startingMs" | "processingMs"
    >
  >;
  private readonly models: readonly FakeModel[];
  private readonly predictions = new Map<string, PredictionRecord>();
  private readonly files = new Map<string, StoredFile>();
  private readonly deliveries = new Map<string, Delivery>();
  private server: http.Server | null = null;
  private origin = "";
  private config: EmulatorConfig = {};
  private limiter: RateLimiter | null = null;
  private readonly memo: Map<string, Promise<ModelResult>> | null;

  constructor(options: ReplicateEmulatorOptions = {}) {
    this.tokens = new Set(options.tokens ?? [EMULATOR_TOKEN]);
    this.signingSecret = options.webhookSigningSecret ?? generateSigningSecret();
    this.options = {
      outputTtlMs: options.outputTtlMs ?? 3_600_000,
      expiredOutputStatus: options.expiredOutputStatus ?? 404,
      startingMs: options.startingMs ?? 20,
      processingMs: options.processingMs ?? 50,
    };
    this.models = options.models ?? EMULATED_MODELS;
    this.memo = options.memoizeOutputs ? new Map() : null;
    this.configure({
      latencyMs: options.latencyMs,
      modelLatencyMs: options.modelLatencyMs,
      rateLimits: options.rateLimits,
    });
    this.webhooks = new WebhookDispatcher(
      () => this.signingSecret,
      options.webhookRetryDelaysMs ?? [200, 1000],
    );
  }

  get url() {
    return this.origin;
  }

  /** What the `replicate` client's baseUrl should be. */
  get baseUrl() {
    return `${this.origin}/v1`;
  }

  async listen(port = 0, host = "127.0.0.1") {
    this.server = http.createServer((req, res) => void this.handleNode(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    this.origin = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close() {
    for (const record of this.predictions.values()) record.timers.forEach(clearTimeout);
    await this.webhooks.idle();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    this.server?.closeAllConnections();
  }

  inject(faults: Faults) {
    this.faults.inject(faults);
  }

  /**
   * Changes latency or rate limits of the running emulator (keys given replace; `undefined` or
   * `false` switches off). Kept across reset(); predictions already created keep their latency.
   */
  configure(config: EmulatorConfig) {
    this.config = { ...this.config, ...config };
    const limits = this.config.rateLimits;
    this.limiter = limits ? new RateLimiter(limits === true ? {} : limits) : null;
  }

  get currentConfig(): Readonly<EmulatorConfig> {
    return this.config;
  }

  /** Between tests: no faults, no predictions or files, fresh counters and request log. */
  reset() {
    for (const record of this.predictions.values()) record.timers.forEach(clearTimeout);
    this.predictions.clear();
    this.files.clear();
    this.deliveries.clear();
    this.faults.clear();
    this.requests.length = 0;
    this.webhooks.deliveries.length = 0;
    Object.assign(this.stats, EMPTY_STATS);
    this.configure({});
  }

  /** Predictions created (and so billed), of one model ("owner/name") or all. */
  predictionCount(filter: { model?: string } = {}) {
    return this.billing().filter((record) => !filter.model || record.model === filter.model).length;
  }

  /** Every created prediction, oldest first: what Replicate would bill. */
  billing(): BillingRecord[] {
    return [...this.predictions.values()].map((record) => ({
      id: record.id,
      model: `${record.model.owner}/${record.model.name}`,
      inputDigest: record.inputDigest,
      status: record.status,
      createdAt: record.createdAt.toISOString(),
      predictTimeSeconds:
        record.startedAt && record.completedAt
          ? (record.completedAt.getTime() - record.startedAt.getTime()) / 1000
          : null,
    }));
  }

  /**
   * Created predictions grouped by model and input. Replicate takes no idempotency key, so the
   * same input created twice is how a paid-for duplicate shows (a retry after a failed
   * prediction is a legitimate second one: see the statuses).
   */
  predictionsByInput() {
    const groups = new Map<
      string,
      { model: string; inputDigest: string; predictions: Array<{ id: string; status: string }> }
    >();
    for (const record of this.billing()) {
      const group = groups.get(record.inputDigest) ?? {
        model: record.model,
        inputDigest: record.inputDigest,
        predictions: [],
      };
      group.predictions.push({ id: record.id, status: record.status });
      groups.set(record.inputDigest, group);
    }
    return [...groups.values()];
  }

  /** The prediction as the API shows it (null if there is none). */
  prediction(id: string) {
    const record = this.predictions.get(id);
    return record ? this.view(record) : null;
  }

  allPredictions() {
    return [...this.predictions.values()].map((record) => this.view(record));
  }

  storedFileIds() {
    return [...this.files.keys()];
  }

  private async handleNode(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? "/", this.origin);
    const record: RequestRecord = {
      method: req.method ?? "GET",
      path: url.pathname,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(record);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(url, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: hasBody ? Buffer.concat(chunks) : undefined,
      });
      const response = await this.handle(request, url);
      if (response === DROP) {
        record.status = "dropped";
        req.socket.destroy();
        return;
      }
      record.status = response.status;
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      console.error("[replicate emulator]", error);
      record.status = 500;
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ title: "Internal Server Error", status: 500 }));
    }
  }

  async handle(request: Request, url: URL): Promise<Response | typeof DROP> {
    const path = url.pathname;
    if (path.startsWith("/delivery/") && request.method === "GET") return this.serveOutput(path);
    if (path.startsWith("/_emulator/")) return this.control(request, path);
    if (!path.startsWith("/v1/"))
      return problem(404, "Not found", "The requested resource could not be found.");

    const authorization = request.headers.get("authorization") ?? "";
    const token = /^(?:Bearer|Token)\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token || !this.tokens.has(token)) {
      return problem(401, "Unauthenticated", "You did not pass a valid authentication token");
    }

    const modelPath = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(path);
    const isCreate =
      request.method === "POST" && (path === "/v1/predictions" || modelPath !== null);
    const retryAfter =
      this.faults.takeRateLimit(isCreate) ??
      this.limiter?.take(isCreate ? "create" : "other") ??
      null;
    if (retryAfter !== null) {
      this.stats.throttled += 1;
      return json(
        429,
        {
          detail: `Request was throttled. Your rate limit resets in ~${retryAfter}s.`,
          status: 429,
        },
        { "retry-after": String(retryAfter) },
      );
    }

    if (isCreate) return this.createPrediction(request, url, modelPath);
    if (path === "/v1/predictions" && request.method === "GET") return this.listPredictions(url);
    const predictionPath = /^\/v1\/predictions\/([a-z0-9]+)(\/cancel)?$/.exec(path);
    if (predictionPath) {
      const record = this.predictions.get(predictionPath[1]!);
      if (!record) return problem(404, "Not found", "The requested resource could not be found.");
      if (predictionPath[2] && request.method === "POST") {
        this.cancel(record);
        return json(200, this.wire(record));
      }
      if (!predictionPath[2] && request.method === "GET") return json(200, this.wire(record));
    }
    if (path === "/v1/files" && request.method === "POST") return this.createFile(request);
    if (path === "/v1/files" && request.method === "GET") {
      return json(200, {
        next: null,
        previous: null,
        results: [...this.files.values()].map((f) => this.fileView(f)),
      });
    }
    const filePath = /^\/v1\/files\/([a-z0-9]+)$/.exec(path);
    if (filePath) {
      const file = this.files.get(filePath[1]!);
      if (!file) return problem(404, "Not found", "The requested resource could not be found.");
      if (request.method === "GET") return json(200, this.fileView(file));
      if (request.method === "DELETE") {
        this.files.delete(file.id);
        this.stats.filesDeleted += 1;
        return new Response(null, { status: 204 });
      }
    }
    if (path === "/v1/webhooks/default/secret" && request.method === "GET") {
      return json(200, { key: this.signingSecret });
    }
    return problem(404, "Not found", "The requested resource could not be found.");
  }

  private async createPrediction(
    request: Request,
    url: URL,
    modelPath: RegExpExecArray | null,
  ): Promise<Response | typeof DROP> {
    let body: Record<string, unknown>;
    try {
      body = (await request.json()) as Record<string, unknown>;
    } catch {
      return problem(400, "Bad request", "The request body is not valid JSON.");
    }
    const model = modelPath
      ? this.models.find((m) => m.owner === modelPath[1] && m.name === modelPath[2])
      : this.modelForVersion(body.version);
    if (!model) {
      return modelPath
        ? problem(404, "Not found", "The requested resource could not be found.")
        : problem(
            422,
            "Invalid version or not permitted",
            "The specified version does not exist (or perhaps you don't have permission to use it?)",
          );
    }
    if (modelPath && !model.official) {
      return problem(
        404,
        "Not found",
        `${model.owner}/${model.name} is not an official model: create its predictions with a version.`,
      );
    }
    const input = body.input;
    if (!input || typeof input !== "object" || Array.isArray(input)) {
      return problem(422, "Input validation failed", "- input: Invalid type. Expected: object");
    }
    const missing = model.required.filter(
      (field) => (input as Record<string, unknown>)[field] === undefined,
    );
    if (missing.length > 0) {
      return json(422, {
        title: "Input validation failed",
        status: 422,
        detail: missing.map((field) => `- input.${field}: ${field} is required`).join("\n"),
        invalid_fields: missing.map((field) => ({
          type: "required",
          field: `input.${field}`,
          description: `${field} is required`,
        })),
      });
    }
    const webhook = typeof body.webhook === "string" ? body.webhook : null;
    if (webhook !== null && !URL.canParse(webhook)) {
      return problem(422, "Input validation failed", "- webhook: Does not match format 'uri'");
    }
    const filter = body.webhook_events_filter;
    if (
      filter !== undefined &&
      (!Array.isArray(filter) || filter.some((e) => !WEBHOOK_EVENTS.includes(e as WebhookEvent)))
    ) {
      return problem(
        422,
        "Input validation failed",
        `- webhook_events_filter: items must be one of ${WEBHOOK_EVENTS.join(", ")}`,
      );
    }

    const modelName = `${model.owner}/${model.name}`;
    const inputDigest = this.digest(modelName, input as Record<string, unknown>);
    if (this.faults.take("failCreate") || this.faults.failsCreation(inputDigest)) {
      this.stats.failedCreations += 1;
      const status = this.faults.current.failCreate?.status ?? 503;
      return problem(status, "Service Unavailable", "Replicate is temporarily unavailable.");
    }
    if (this.faults.take("dropBeforeCreate")) return DROP;

    let settle = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const record: PredictionRecord = {
      id: randomId(),
      model,
      input: input as Record<string, unknown>,
      inputDigest,
      latencyMs: this.config.modelLatencyMs?.[modelName] ?? this.config.latencyMs ?? null,
      status: "starting",
      output: null,
      error: null,
      logs: "",
      dataRemoved: false,
      createdAt: new Date(),
      startedAt: null,
      completedAt: null,
      webhook,
      events: (filter as WebhookEvent[] | undefined) ?? WEBHOOK_EVENTS,
      timers: [],
      settled,
      settle,
    };
    this.predictions.set(record.id, record);
    this.stats.predictionsCreated += 1;
    this.stats.inFlight += 1;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
    this.emit(record, "start");
    const startingMs =
      record.latencyMs === null
        ? this.options.startingMs
        : Math.min(this.options.startingMs, record.latencyMs);
    record.timers.push(setTimeout(() => void this.run(record, url.origin), startingMs));

    if (this.faults.take("dropAfterCreate")) return DROP;

    const wait = parsePreferWait(request.headers.get("prefer"));
    if (wait > 0) {
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, wait * 1000))]);
    }
    return json(201, this.wire(record));
  }

  private modelForVersion(version: unknown) {
    if (typeof version !== "string") return undefined;
    const colon = version.indexOf(":");
    if (colon >= 0) {
      const ref = version.slice(0, colon);
      const id = version.slice(colon + 1);
      return this.models.find((m) => `${m.owner}/${m.name}` === ref && m.version === id);
    }
    // Official models may be named instead of versioned.
    if (version.includes("/")) {
      return this.models.find((m) => m.official && `${m.owner}/${m.name}` === version);
    }
    return this.models.find((m) => m.version === version);
  }

  private async run(record: PredictionRecord, origin: string) {
    if (record.status !== "starting") return;
    record.status = "processing";
    record.startedAt = new Date();
    record.logs += `Running ${record.model.owner}/${record.model.name}\n`;
    this.emit(record, "logs");
    const modelName = `${record.model.owner}/${record.model.name}`;
    const began = Date.now();
    let result: ModelResult | null = null;
    let error =
      this.faults.takeModelError(modelName) ??
      (this.faults.failsPrediction(record.inputDigest)
        ? "CUDA out of memory. Tried to allocate 2.00 GiB (injected by failureRate)"
        : null);
    if (!error) {
      try {
        const images = new Map<string, Promise<Buffer>>();
        const readImage = (field: string) => {
          let bytes = images.get(field);
          if (!bytes) images.set(field, (bytes = this.readImage(record, field, origin)));
          return bytes;
        };
        result = await this.runModel(record, { readImage });
      } catch (thrown) {
        error = thrown instanceof Error ? thrown.message : String(thrown);
      }
    }
    const slowMs = this.faults.processingMs(modelName);
    const finishAt =
      slowMs !== null
        ? began + slowMs
        : record.latencyMs !== null
          ? record.createdAt.getTime() + record.latencyMs
          : began + this.options.processingMs;
    const remaining = finishAt - Date.now();
    if (remaining > 0)
      await new Promise((resolve) => record.timers.push(setTimeout(resolve, remaining)));
    if (record.status !== "processing") return; // canceled meanwhile
    if (error || !result) {
      record.logs += `Traceback (most recent call last):\n  ...\nError: ${error}\n`;
      this.finish(record, "failed", { error: error ?? "Unknown error" });
      return;
    }
    record.logs += result.logs;
    let output: unknown = result.value ?? null;
    if (result.files) {
      const urls = result.files.map((file) => {
        const token = randomBytes(16).toString("hex");
        this.deliveries.set(token, {
          bytes: file.bytes,
          contentType: file.contentType,
          expiresAt: Date.now() + this.options.outputTtlMs,
        });
        return `${this.origin}/delivery/${token}/${file.name}`;
      });
      output = result.list ? urls : urls[0];
    }
    record.output = output;
    this.emit(record, "output");
    this.finish(record, "succeeded", {});
  }

  private finish(record: PredictionRecord, status: Status, details: { error?: string }) {
    if (status === "failed") this.stats.failedPredictions += 1;
    record.status = status;
    record.error = details.error ?? null;
    record.completedAt = new Date();
    this.stats.inFlight -= 1;
    record.timers.forEach(clearTimeout);
    record.timers = [];
    // Inputs, outputs and logs are removed with the output files (after an hour at Replicate).
    const removal = setTimeout(() => {
      record.dataRemoved = true;
      record.output = null;
      record.input = {};
      record.logs = "";
    }, this.options.outputTtlMs);
    removal.unref();
    this.emit(record, "completed");
    record.settle();
  }

  private cancel(record: PredictionRecord) {
    if (TERMINAL.includes(record.status)) return;
    this.finish(record, "canceled", {});
  }

  private emit(record: PredictionRecord, event: WebhookEvent) {
    if (!record.webhook || !record.events.includes(event) || this.faults.current.dropWebhooks)
      return;
    this.webhooks.send(record.id, event, record.webhook, JSON.stringify(this.wire(record)));
  }

  private async runModel(record: PredictionRecord, context: ModelContext): Promise<ModelResult> {
    if (!this.memo) return record.model.run(record.input, context);
    const key = createHash("sha256").update(record.model.version);
    for (const field of Object.keys(record.input).sort()) {
      const value = record.input[field];
      key.update(`\0${field}\0`);
      // Files are compared by their bytes: the same photo comes as a new upload each time.
      if (typeof value === "string" && /^(data:|https?:)/.test(value)) {
        key.update(
          createHash("sha256")
            .update(await context.readImage(field))
            .digest(),
        );
      } else key.update(JSON.stringify(value) ?? "undefined");
    }
    const digest = key.digest("hex");
    let result = this.memo.get(digest);
    if (result) this.memo.delete(digest);
    else {
      result = record.model.run(record.input, context);
      result.catch(() => this.memo?.delete(digest));
    }
    this.memo.set(digest, result);
    if (this.memo.size > MEMO_ENTRIES) this.memo.delete(this.memo.keys().next().value!);
    return result;
  }

  private async readImage(
    record: PredictionRecord,
    field: string,
    origin: string,
  ): Promise<Buffer> {
    const value = record.input[field];
    if (typeof value !== "string") throw new Error(`${field} is not a file`);
    const dataUri = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(value);
    if (dataUri) {
      return dataUri[2]
        ? Buffer.from(dataUri[3]!, "base64")
        : Buffer.from(decodeURIComponent(dataUri[3]!));
    }
    const url = new URL(value);
    const ownFile = /^\/v1\/files\/([a-z0-9]+)$/.exec(url.pathname);
    if (url.origin === origin && ownFile) {
      const file = this.files.get(ownFile[1]!);
      if (!file) throw new Error(`${field}: file not found`);
      return file.bytes;
    }
    const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    if (!response.ok) throw new Error(`${field}: could not download ${url} (${response.status})`);
    return Buffer.from(await response.arrayBuffer());
  }

  private listPredictions(url: URL) {
    const all = [...this.predictions.values()].reverse();
    const offset = Number(url.searchParams.get("cursor") ?? "0") || 0;
    const page = all.slice(offset, offset + 100);
    const next =
      offset + 100 < all.length ? `${this.baseUrl}/predictions?cursor=${offset + 100}` : null;
    return json(200, { next, previous: null, results: page.map((record) => this.wire(record)) });
  }

  private async createFile(request: Request) {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return problem(400, "Bad request", "Expected a multipart/form-data body.");
    }
    const content = form.get("content");
    if (!(content instanceof Blob))
      return problem(422, "Input validation failed", "- content: required");
    const metadataPart = form.get("metadata");
    const metadata =
      metadataPart instanceof Blob ? JSON.parse((await metadataPart.text()) || "{}") : {};
    const file: StoredFile = {
      id: randomId(),
      name: content instanceof File ? content.name : "file",
      contentType: content.type || "application/octet-stream",
      bytes: Buffer.from(await content.arrayBuffer()),
      metadata,
      createdAt: new Date(),
    };
    this.files.set(file.id, file);
    this.stats.filesCreated += 1;
    return json(201, this.fileView(file));
  }

  private fileView(file: StoredFile) {
    const sha256 = createHash("sha256").update(file.bytes).digest("hex");
    return {
      id: file.id,
      name: file.name,
      content_type: file.contentType,
      size: file.bytes.length,
      etag: sha256.slice(0, 32),
      checksums: { sha256 },
      metadata: file.metadata,
      created_at: file.createdAt.toISOString(),
      expires_at: new Date(file.createdAt.getTime() + 86_400_000).toISOString(),
      urls: { get: `${this.baseUrl}/files/${file.id}` },
    };
  }

  private serveOutput(path: string) {
    const token = /^\/delivery\/([a-f0-9]+)\//.exec(path)?.[1];
    const delivery = token ? this.deliveries.get(token) : undefined;
    if (!delivery) return new Response("Not Found", { status: 404 });
    if (Date.now() >= delivery.expiresAt) {
      return new Response(this.options.expiredOutputStatus === 410 ? "Gone" : "Not Found", {
        status: this.options.expiredOutputStatus,
      });
    }
    return new Response(new Uint8Array(delivery.bytes), {
      status: 200,
      headers: {
        "content-type": delivery.contentType,
        "content-length": String(delivery.bytes.length),
      },
    });
  }

  private async control(request: Request, path: string) {
    if (path === "/_emulator/state" && request.method === "GET") {
      return json(200, {
        stats: this.stats,
        faults: this.faults.current,
        config: this.config,
        predictions: this.predictions.size,
      });
    }
    if (path === "/_emulator/billing" && request.method === "GET") {
      return json(200, { predictions: this.billing(), byInput: this.predictionsByInput() });
    }
    if (path === "/_emulator/config" && request.method === "POST") {
      this.configure((await request.json()) as EmulatorConfig);
      return json(200, this.config);
    }
    if (path === "/_emulator/reset" && request.method === "POST") {
      this.reset();
      return json(200, {});
    }
    if (path === "/_emulator/faults" && request.method === "POST") {
      this.faults.inject((await request.json()) as Faults);
      return json(200, this.faults.current);
    }
    if (path === "/_emulator/faults" && request.method === "DELETE") {
      this.faults.clear();
      return json(200, {});
    }
    return problem(404, "Not found", "No such emulator control.");
  }

  /**
   * The model and its input, hashed; inputs that point at the emulator's own files count by the
   * file's content, so a photo uploaded again for a retry still counts as the same input.
   */
  private digest(model: string, input: Record<string, unknown>) {
    const canonical = (value: unknown): unknown => {
      if (typeof value === "string") {
        const filesUrl = `${this.baseUrl}/files/`;
        const file = value.startsWith(filesUrl)
          ? this.files.get(value.slice(filesUrl.length))
          : undefined;
        return file
          ? `file:sha256:${createHash("sha256").update(file.bytes).digest("hex")}`
          : value;
      }
      if (Array.isArray(value)) return value.map(canonical);
      if (value && typeof value === "object") {
        return Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
        );
      }
      return value;
    };
    return createHash("sha256")
      .update(JSON.stringify([model, canonical(input)]))
      .digest("hex");
  }

  /** The view as it goes over the wire. */
  private wire(record: PredictionRecord) {
    return { ...this.view(record), input: echoedInput(record.input) };
  }

  private view(record: PredictionRecord) {
    const base = `${this.baseUrl}/predictions/${record.id}`;
    const predictTime =
      record.startedAt && record.completedAt
        ? (record.completedAt.getTime() - record.startedAt.getTime()) / 1000
        : undefined;
    return {
      id: record.id,
      model: `${record.model.owner}/${record.model.name}`,
      version: record.model.official ? "hidden" : record.model.version,
      input: record.input,
      logs: record.logs,
      output: record.output,
      data_removed: record.dataRemoved,
      error: record.error,
      status: record.status,
      source: "api",
      created_at: record.createdAt.toISOString(),
      started_at: record.startedAt?.toISOString() ?? null,
      completed_at: record.completedAt?.toISOString() ?? null,
      ...(record.webhook ? { webhook: record.webhook, webhook_events_filter: record.events } : {}),
      urls: { get: base, cancel: `${base}/cancel`, web: `${this.origin}/p/${record.id}` },
      metrics:
        predictTime === undefined ? {} : { predict_time: predictTime, total_time: predictTime },
    };
  }
}

const EMPTY_STATS = {
  /** Predictions actually created, and so billed. */
  predictionsCreated: 0,
  inFlight: 0,
  maxInFlight: 0,
  filesCreated: 0,
  filesDeleted: 0,
  /** Requests answered 429 (a rateLimit fault or the configured rate limits). */
  throttled: 0,
  /** Creations answered 5xx (failCreate, createFailureRate). */
  failedCreations: 0,
  /** Predictions that ended "failed" (modelError, failureRate, or a model's own error). */
  failedPredictions: 0,
};

/** `Prefer: wait` holds the response up to 60 seconds; `wait=n` up to n (1-60). */
function parsePreferWait(prefer: string | null) {
  if (!prefer) return 0;
  const match = /(?:^|[\s,;])wait(?:=(\d+))?(?:$|[\s,;])/.exec(prefer);
  if (!match) return 0;
  return match[1] ? Math.min(60, Math.max(1, Number(match[1]))) : 60;
}

function randomId() {
  // Replicate's ids: 26 lower-case base32 characters.
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  return Array.from(randomBytes(26), (byte) => alphabet[byte % 32]).join("");
}

const rawJSON = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON;
const echoed = new WeakMap<Record<string, unknown>, Record<string, unknown>>();

/**
 * A prediction's input as every view of it echoes it. An image sent as a data URI is a few
 * hundred kilobytes of string that JSON.stringify would scan again for each poll, webhook and
 * listing: long strings are serialized once and spliced in as they are (JSON.rawJSON).
 */
function echoedInput(input: Record<string, unknown>): Record<string, unknown> {
  if (!rawJSON) return input;
  let view = echoed.get(input);
  if (!view) {
    view = Object.fromEntries(
      Object.entries(input).map(([key, value]) => [
        key,
        typeof value === "string" && value.length > 4096 ? rawJSON(JSON.stringify(value)) : value,
      ]),
    );
    echoed.set(input, view);
  }
  return view;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Errors in the problem-details shape Replicate's API uses. */
function problem(status: number, title: string, detail: string) {
  return json(status, { title, detail, status }, { "content-type": "application/problem+json" });
}

export async function startReplicateEmulator(
  options: ReplicateEmulatorOptions & { port?: number; host?: string } = {},
) {
  return new ReplicateEmulator(options).listen(options.port, options.host);
}
