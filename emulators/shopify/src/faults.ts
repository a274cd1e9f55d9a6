/**
 * Fault injection: the failures a Shopify client meets in production, switched on per test (or
 * per demo) through `devStore.injectFaults({...})` or `POST /_dev/faults`.
 *
 * Faults come at a rate, from a seeded pseudo-random sequence, so a test sees the same failures in
 * the same order on every run. For Admin GraphQL requests (after authentication, as Shopify's own
 * throttle answers come):
 *
 * - "server-error": 502 or 503 before anything runs (Shopify's edge or a pod restarting).
 * - "throttled": Shopify's THROTTLED answer (HTTP 200, `errors[].extensions.code`, the bucket's
 *   real state in `extensions.cost`) before anything runs; it costs nothing.
 * - "timeout": the response is held for `hangMs`, then 504; nothing ran. A client that gives up
 *   first closes the connection, and the dev store counts that as an abandoned hang.
 * - "lost-response": the operation RUNS (a mutation changes the store), then the connection is
 *   destroyed before any answer, so the client cannot tell whether it ran.
 *
 * The staged-upload target (Google Cloud Storage on Shopify) and the CDN can fail too, with a 503
 * ("server-error"), each at its own rate.
 */
import { Kind, parse, type OperationDefinitionNode } from "graphql";

import { fragmentMap } from "./admin-graphql.ts";
import { MUTATION_COST, selectionCost } from "./cost.ts";
import { adminSchema } from "./schema.ts";
import type { ThrottleStatus } from "./throttle.ts";

export const ADMIN_FAULT_KINDS = ["server-error", "throttled", "timeout", "lost-response"] as const;
export type AdminFaultKind = (typeof ADMIN_FAULT_KINDS)[number];

/** How long a "timeout" fault holds the response: longer than a 30 s client timeout. */
export const DEFAULT_HANG_MS = 35_000;

export interface FaultSettings {
  /** Share of Admin GraphQL requests that fail, 0..1. */
  rate?: number;
  /** Which failures Admin GraphQL requests meet, in turn; default ["server-error"]. */
  kinds?: AdminFaultKind[];
  /** How long a "timeout" holds the response before its 504. */
  hangMs?: number;
  /** Seed of the sequence that decides which requests fail; the same seed, the same failures. */
  seed?: number;
  /** At most this many faults in all, then none (e.g. 1 for "fails once, then works"). */
  times?: number;
  /** Share of staged-upload target requests answered 503. */
  stagedUploadRate?: number;
  /** Share of CDN image requests answered 503. */
  cdnRate?: number;
}

export interface FaultCounts {
  admin: Record<AdminFaultKind, number>;
  stagedUpload: { "server-error": number };
  cdn: { "server-error": number };
  /** "timeout" faults whose client closed the connection before the hang ended. */
  abandonedHangs: number;
}

/** Settings with their defaults filled in; `times` null means no limit. */
export type ActiveFaultSettings = Required<Omit<FaultSettings, "times">> & { times: number | null };

export interface FaultReport {
  /** What is switched on now (null: nothing). */
  settings: ActiveFaultSettings | null;
  /** Faults injected since the last injectFaults (clearing keeps them, so tests can look). */
  injected: FaultCounts;
}

export class FaultSettingsError extends Error {
  readonly status = 400;
}

const emptyCounts = (): FaultCounts => ({
  admin: { "server-error": 0, throttled: 0, timeout: 0, "lost-response": 0 },
  stagedUpload: { "server-error": 0 },
  cdn: { "server-error": 0 },
  abandonedHangs: 0,
});

function rateOf(value: unknown, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw new FaultSettingsError(`${name} must be a number from 0 to 1`);
  }
  return value;
}

function countOf(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new FaultSettingsError(`${name} must be a whole number, 0 or more`);
  }
  return value;
}

/** Checks settings from a test or the control API; unknown fields are refused, not ignored. */
export function parseFaultSettings(input: unknown): ActiveFaultSettings {
  if (!input || typeof input !== "object" || Array.isArray(input)) {
    throw new FaultSettingsError("Fault settings must be a JSON object");
  }
  const settings = input as Record<string, unknown>;
  const known = ["rate", "kinds", "hangMs", "seed", "times", "stagedUploadRate", "cdnRate"];
  const unknown = Object.keys(settings).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new FaultSettingsError(`Unknown fault settings: ${unknown.join(", ")}`);
  }
  const kinds = settings.kinds ?? ["server-error"];
  if (
    !Array.isArray(kinds) ||
    kinds.length === 0 ||
    !kinds.every((kind) => (ADMIN_FAULT_KINDS as readonly unknown[]).includes(kind))
  ) {
    throw new FaultSettingsError(`kinds must list some of ${ADMIN_FAULT_KINDS.join(", ")}`);
  }
  return {
    rate: rateOf(settings.rate, "rate"),
    kinds: kinds as AdminFaultKind[],
    hangMs: countOf(settings.hangMs, "hangMs", DEFAULT_HANG_MS),
    seed: countOf(settings.seed, "seed", 1),
    times: settings.times === undefined ? null : countOf(settings.times, "times", 0),
    stagedUploadRate: rateOf(settings.stagedUploadRate, "stagedUploadRate"),
    cdnRate: rateOf(settings.cdnRate, "cdnRate"),
  };
}

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dropped = new WeakSet<Response>();

/** A response the server must not send: it destroys the connection instead. */
function droppedResponse(): Response {
  const response = new Response(null, { status: 599 });
  dropped.add(response);
  return response;
}

export function isDroppedResponse(response: Response): boolean {
  return dropped.has(response);
}

/** The requested cost Shopify would quote for a request, or null when it does not parse. */
function requestedQueryCost(version: string, body: Record<string, unknown>): number | null {
  const schema = adminSchema(version);
  if (!schema || typeof body.query !== "string") return null;
  try {
    const document = parse(body.query);
    const operation = document.definitions.find(
      (definition): definition is OperationDefinitionNode =>
        definition.kind === Kind.OPERATION_DEFINITION &&
        (typeof body.operationName !== "string" || definition.name?.value === body.operationName),
    );
    if (!operation) return null;
    if (operation.operation === "mutation") {
      return MUTATION_COST * operation.selectionSet.selections.length;
    }
    const variables = (body.variables ?? {}) as Record<string, unknown>;
    return selectionCost(
      { schema, fragments: fragmentMap(document), variables },
      schema.getQueryType()!,
      operation.selectionSet,
    );
  } catch {
    return null;
  }
}

function jsonResponse(body: unknown, status: number) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8" },
  });
}

const serverErrorPage = (status: 502 | 503) =>
  new Response(
    `<!DOCTYPE html><html><head><title>${status}</title></head><body><h1>${
      status === 502 ? "Bad Gateway" : "Service Unavailable"
    }</h1><p>There was a problem loading this website. Please try again.</p></body></html>`,
    { status, headers: { "Content-Type": "text/html; charset=utf-8" } },
  );

export interface AdminFaultContext {
  version: string;
  body: Record<string, unknown>;
  /** Fires when the client closes the connection (or the dev store closes). */
  signal: AbortSignal;
  /** The bucket as it is now, for the THROTTLED answer. */
  throttleStatus: () => ThrottleStatus;
  /** Runs the request for real. */
  run: () => Promise<Response>;
}

export class DevStoreFaults {
  private settings: ActiveFaultSettings | null = null;
  private random: () => number = seededRandom(1);
  private remaining = 0;
  private counts = emptyCounts();
  private hanging = new Set<() => void>();

  configure(input: FaultSettings): FaultReport {
    this.settings = parseFaultSettings(input);
    this.random = seededRandom(this.settings.seed);
    this.remaining = this.settings.times ?? Infinity;
    this.counts = emptyCounts();
    return this.report();
  }

  clear(): FaultReport {
    this.settings = null;
    return this.report();
  }

  report(): FaultReport {
    return {
      settings: this.settings && { ...this.settings },
      injected: structuredClone(this.counts),
    };
  }

  /** Ends every held response now (the dev store is closing). */
  releaseHanging() {
    for (const release of this.hanging) release();
    this.hanging.clear();
  }

  private draw(rate: number): boolean {
    if (!this.settings || rate <= 0 || this.remaining <= 0) return false;
    if (this.random() >= rate) return false;
    this.remaining -= 1;
    return true;
  }

  /** An Admin GraphQL request, with whatever fault comes up for it. */
  async adminGraphql(context: AdminFaultContext): Promise<Response> {
    const settings = this.settings;
    if (!settings || !this.draw(settings.rate)) return context.run();
    // Kinds take turns rather than being drawn: every kind listed shows up once there are as many
    // faults as kinds, however few requests a run makes (a draw can leave one out).
    const injected = Object.values(this.counts.admin).reduce((sum, n) => sum + n, 0);
    const kind = settings.kinds[injected % settings.kinds.length]!;
    this.counts.admin[kind] += 1;
    switch (kind) {
      case "server-error":
        return serverErrorPage(this.random() < 0.5 ? 502 : 503);
      case "throttled":
        return jsonResponse(
          {
            errors: [
              {
                message: "Throttled",
                extensions: {
                  code: "THROTTLED",
                  documentation: "https://shopify.dev/api/usage/rate-limits",
                },
              },
            ],
            extensions: {
              cost: {
                requestedQueryCost: requestedQueryCost(context.version, context.body),
                actualQueryCost: null,
                throttleStatus: context.throttleStatus(),
              },
            },
          },
          200,
        );
      case "timeout": {
        const outcome = await this.hang(settings.hangMs, context.signal);
        if (outcome === "abandoned") this.counts.abandonedHangs += 1;
        if (outcome !== "elapsed") return droppedResponse();
        return new Response("Gateway Timeout", {
          status: 504,
          headers: { "Content-Type": "text/plain; charset=utf-8" },
        });
      }
      case "lost-response": {
        const response = await context.run();
        await response.arrayBuffer();
        return droppedResponse();
      }
    }
  }

  /** A 503 for a staged-upload or CDN request when one comes up, else null. */
  refuse(target: "stagedUpload" | "cdn"): Response | null {
    const settings = this.settings;
    if (!settings) return null;
    const rate = target === "cdn" ? settings.cdnRate : settings.stagedUploadRate;
    if (!this.draw(rate)) return null;
    this.counts[target]["server-error"] += 1;
    if (target === "cdn") return serverErrorPage(503);
    // What Google Cloud Storage answers when it cannot take the request right now.
    return new Response(
      "<?xml version='1.0' encoding='UTF-8'?><Error><Code>ServiceUnavailable</Code><Message>We encountered an internal error. Please try again.</Message></Error>",
      { status: 503, headers: { "Content-Type": "application/xml; charset=UTF-8" } },
    );
  }

  private hang(ms: number, signal: AbortSignal): Promise<"elapsed" | "abandoned" | "closed"> {
    return new Promise((resolve) => {
      const finish = (outcome: "elapsed" | "abandoned" | "closed") => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.hanging.delete(onClose);
        resolve(outcome);
      };
      const timer = setTimeout(() => finish("elapsed"), ms);
      const onAbort = () => finish("abandoned");
      const onClose = () => finish("closed");
      if (signal.aborted) return finish("abandoned");
      signal.addEventListener("abort", onAbort, { once: true });
      this.hanging.add(onClose);
    });
  }
}
