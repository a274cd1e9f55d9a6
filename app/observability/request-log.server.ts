/**
 * One JSON line per request: when, what, how it ended and for which shop, and nothing that could
 * be replayed (see scrub.ts). Lines go to stdout, and with LOG_DIR set also to one file per UTC
 * day, `requests-YYYY-MM-DD.jsonl`, kept REQUEST_LOG_RETENTION_DAYS days.
 *
 * Requests are seen through Node's built-in HTTP diagnostics channels, so every request the
 * process serves is logged (pages, data fetches, webhooks, file links, static assets) whatever
 * server runs the app (remix-serve, `remix dev`), with its real status and duration.
 * https://nodejs.org/api/diagnostics_channel.html#http
 */
import { randomUUID } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import fs from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";

import { enterLogContext } from "./logger.server.ts";
import { observeHttpRequest } from "./metrics.server.ts";
import { scrubJson, scrubPath } from "./scrub.ts";

export const REQUEST_LOG_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;
const FILE_NAME = /^requests-(\d{4}-\d{2}-\d{2})\.jsonl$/;
/** A shop domain, and nothing that could smuggle text into a log line. */
const SHOP = /^[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+$/;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface RequestLogEntry {
  time: string;
  requestId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  shop?: string;
}

/** What the log reads of a request: no body, and headers only by name. */
export interface RequestFacts {
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  header(name: string): string | undefined;
}

export function requestLogFileName(day: Date): string {
  return `requests-${day.toISOString().slice(0, 10)}.jsonl`;
}

/** Deletes the daily files older than the retention period; answers how many went. */
export async function pruneRequestLogs(
  dir: string,
  now: Date = new Date(),
  days: number = REQUEST_LOG_RETENTION_DAYS,
): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  // File names sort by date; a file is kept while its day is inside the period.
  const oldestKept = requestLogFileName(new Date(now.getTime() - days * DAY_MS));
  let pruned = 0;
  for (const name of names) {
    if (FILE_NAME.test(name) && name < oldestKept) {
      await fs.rm(path.join(dir, name), { force: true });
      pruned += 1;
    }
  }
  return pruned;
}

/** The shop a request names: a webhook's header, `?shop=`, or the session token's destination. */
export function shopOf(request: RequestFacts): string | undefined {
  const candidates = [
    request.header("x-shopify-shop-domain"),
    new URL(request.url, "http://localhost").searchParams.get("shop") ?? undefined,
    bearerDestination(request.header("authorization")),
  ];
  return candidates
    .map((value) => value?.trim().toLowerCase())
    .find((value): value is string => Boolean(value && SHOP.test(value)));
}

/**
 * The `dest` claim of a session token, read without checking the signature: good enough to say
 * which shop a log line is about (authenticate.admin checks the token itself), never for access.
 */
function bearerDestination(header: string | undefined): string | undefined {
  const payload = header?.match(/^Bearer\s+[^.]+\.([^.]+)\./)?.[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
      dest?: unknown;
    };
    return typeof claims.dest === "string" ? new URL(claims.dest).hostname : undefined;
  } catch {
    return undefined;
  }
}

/** The caller's request id (a proxy's X-Request-Id) when it is plain, else a new one. */
export function requestIdOf(request: RequestFacts): string {
  const given = request.header("x-request-id");
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

export function requestLogEntry(
  request: RequestFacts,
  {
    started,
    durationMs,
    status,
    requestId,
  }: { started: Date; durationMs: number; status: number; requestId?: string },
): RequestLogEntry {
  const shop = shopOf(request);
  return {
    time: started.toISOString(),
    requestId: requestId ?? requestIdOf(request),
    method: request.method,
    path: scrubPath(request.url),
    status,
    durationMs: Math.round(durationMs),
    ...(shop ? { shop } : {}),
  };
}

export interface RequestLogOptions {
  /** Where daily files go (LOG_DIR); none: stdout only. */
  dir?: string;
  /** Where every line goes besides the files. */
  write?: (line: string) => void;
}

export interface RequestLog {
  record(entry: RequestLogEntry): Promise<void>;
}

export function createRequestLog({
  dir,
  write = (line) => process.stdout.write(`${line}\n`),
}: RequestLogOptions = {}): RequestLog {
  let currentFile = "";
  // Appends one after another, so lines never interleave within a file.
  let appending: Promise<void> = Promise.resolve();

  const toFile = async (line: string, at: Date) => {
    if (!dir) return;
    const file = requestLogFileName(at);
    if (file !== currentFile) {
      // A new day: the process that writes the files also drops those out of the period, even
      // where no retention schedule runs (JOB_WORKERS=separate puts that on the worker hosts).
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await pruneRequestLogs(dir, at);
      currentFile = file;
    }
    await fs.appendFile(path.join(dir, file), `${line}\n`, { mode: 0o600 });
  };

  return {
    async record(entry) {
      const line = scrubJson(entry);
      write(line);
      appending = appending
        .then(() => toFile(line, new Date(entry.time)))
        .catch((error: unknown) =>
          console.error("The request log file could not be written", error),
        );
      await appending;
    },
  };
}

function factsOf(request: IncomingMessage): RequestFacts {
  return {
    method: request.method ?? "GET",
    url: request.url ?? "/",
    header: (name) => {
      const value = request.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    },
  };
}

interface Started {
  facts: RequestFacts;
  started: Date;
  startedMs: number;
  requestId: string;
}

/**
 * Logs every HTTP request this process serves from now on; answers a function that stops.
 * Idempotent per process, so a module reloaded by the dev server does not log twice.
 */
export function startRequestLogging(options: RequestLogOptions = {}): () => void {
  globalThis.photoStudioRequestLogging?.();
  const log = createRequestLog(options);
  const inFlight = new WeakMap<ServerResponse, Started>();
  const onStart = (message: unknown) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const facts = factsOf(request);
    const requestId = requestIdOf(facts);
    inFlight.set(response, { facts, started: new Date(), startedMs: performance.now(), requestId });
    // Published just before the server hands the request to the app: what the app logs while
    // serving it carries the same id as this line (logger.server.ts).
    enterLogContext({ requestId });
  };
  const onFinish = (message: unknown) => {
    const { response } = message as { response: ServerResponse };
    const started = inFlight.get(response);
    if (!started) return;
    inFlight.delete(response);
    const durationMs = performance.now() - started.startedMs;
    const entry = requestLogEntry(started.facts, {
      started: started.started,
      durationMs,
      status: response.statusCode,
      requestId: started.requestId,
    });
    observeHttpRequest(entry.method, entry.path, entry.status, durationMs);
    void log.record(entry);
  };
  diagnostics.subscribe("http.server.request.start", onStart);
  diagnostics.subscribe("http.server.response.finish", onFinish);
  const stop = () => {
    diagnostics.unsubscribe("http.server.request.start", onStart);
    diagnostics.unsubscribe("http.server.response.finish", onFinish);
    if (globalThis.photoStudioRequestLogging === stop)
      globalThis.photoStudioRequestLogging = undefined;
  };
  globalThis.photoStudioRequestLogging = stop;
  return stop;
}

declare global {
  // The running request log's stop function, one per process.
  var photoStudioRequestLogging: (() => void) | undefined;
}
