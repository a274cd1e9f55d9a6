/**
 * The app's own log lines: one JSON object per event, `{"time","level","msg",...context,...fields}`,
 * on stdout (info) or stderr (warn, error), every string scrubbed like the request log (scrub.ts).
 *
 * Context travels with the work rather than through arguments: a request's id is entered when
 * the request starts (request-log.server.ts), a queue task's ids when its step starts
 * (app/jobs/workers.server.ts), and everything logged inside, however deep and however many
 * awaits later, carries them. https://nodejs.org/api/async_context.html#class-asynclocalstorage
 */
import { AsyncLocalStorage } from "node:async_hooks";

import { scrubJson } from "./scrub.ts";

export type LogLevel = "info" | "warn" | "error";

/** What a line says about where it comes from; all optional, absent ones are left out. */
export interface LogContext {
  requestId?: string;
  workerId?: string;
  queue?: string;
  /** The queue task's idempotency key. */
  key?: string;
  attempt?: number;
  shop?: string;
  jobId?: string;
  itemId?: string;
  writeBackId?: string;
  /** A scheduled task's name (schedule-lease.server.ts). */
  schedule?: string;
}

export type LogFields = Record<string, unknown>;

declare global {
  // One context store and one sink per process, also across Remix dev-server reloads.
  var photoStudioLogContext: AsyncLocalStorage<LogContext> | undefined;
  var photoStudioLogSink: ((line: string, level: LogLevel) => void) | undefined;
}

const contexts = (globalThis.photoStudioLogContext ??= new AsyncLocalStorage<LogContext>());

function defaultSink(line: string, level: LogLevel) {
  (level === "info" ? process.stdout : process.stderr).write(`${line}\n`);
}

/** Runs `work` with these fields added to the current context (inner values win). */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return contexts.run({ ...contexts.getStore(), ...definedOnly(fields) }, work);
}

/**
 * Adds fields to the context of the rest of the current synchronous run and what it starts
 * (for a diagnostics-channel subscriber, which cannot wrap the work it announces).
 */
export function enterLogContext(fields: LogContext) {
  contexts.enterWith({ ...contexts.getStore(), ...definedOnly(fields) });
}

export function currentLogContext(): LogContext {
  return { ...contexts.getStore() };
}

/** Sends lines elsewhere (tests read them); answers a function that puts the old sink back. */
export function setLogSink(sink: (line: string, level: LogLevel) => void): () => void {
  const previous = globalThis.photoStudioLogSink;
  globalThis.photoStudioLogSink = sink;
  return () => {
    globalThis.photoStudioLogSink = previous;
  };
}

function definedOnly<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

/** Some libraries' messages quote whole source files (Prisma's, when it cannot find a call site). */
const MAX_MESSAGE = 2_000;
const clip = (text: string) =>
  text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}… (${text.length} characters)` : text;

/** An error as plain fields; its cause's message too (a provider's reason is often there). */
function errorFields(error: unknown) {
  if (!(error instanceof Error)) return { message: clip(String(error)) };
  const { code } = error as { code?: unknown };
  const cause = error.cause instanceof Error ? clip(error.cause.message) : undefined;
  return definedOnly({
    name: error.name,
    message: clip(error.message),
    code: typeof code === "string" || typeof code === "number" ? code : undefined,
    cause,
    stack: error.stack?.split("\n").slice(1, 6).join("\n"),
  });
}

function write(level: LogLevel, msg: string, fields: LogFields = {}) {
  const entry: Record<string, unknown> = {
    time: new Date().toISOString(),
    level,
    msg,
    ...contexts.getStore(),
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) entry[name] = value instanceof Error ? errorFields(value) : value;
  }
  let line: string;
  try {
    line = scrubJson(entry);
  } catch {
    // A field JSON cannot hold (a cycle, a BigInt) must not lose the event itself.
    line = scrubJson({ ...entry, ...Object.fromEntries(Object.keys(fields).map((k) => [k, "?"])) });
  }
  (globalThis.photoStudioLogSink ?? defaultSink)(line, level);
}

export const logger = {
  info: (msg: string, fields?: LogFields) => write("info", msg, fields),
  warn: (msg: string, fields?: LogFields) => write("warn", msg, fields),
  error: (msg: string, fields?: LogFields) => write("error", msg, fields),
};
