/**
 * Runs bulk query operations in the background, as Shopify does: CREATED, then RUNNING while the
 * top-level connection is read page by page with the dev store's own schema and resolvers (no cost
 * limit; nested connections read in full; `first`/`last` ignored), then COMPLETED with the JSONL
 * kept as a blob, or FAILED / CANCELED. Each end is announced with `bulk_operations/finish`.
 * https://shopify.dev/docs/api/usage/bulk-operations/queries
 */
import { randomBytes } from "node:crypto";

import { execute, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";

import { analyzeBulkQuery, isConnectionType, writeJsonl, type BulkQuery } from "./bulk-query.ts";
import { AccessDeniedError, type ResolverContext, type RootResolver } from "./context.ts";
import { gid } from "./ids.ts";
import type { DevStoreRuntime } from "./runtime.ts";
import type { BulkOperationRecord, ShopRecord } from "./state.ts";

/** Root objects read per page: Shopify's largest page. */
const PAGE_SIZE = 250;
/** Result files can be downloaded for seven days, then the operation is EXPIRED. */
export const RESULT_LIFETIME_MS = 7 * 24 * 3600 * 1000;

const TERMINAL = new Set<BulkOperationRecord["status"]>([
  "COMPLETED",
  "CANCELED",
  "FAILED",
  "EXPIRED",
]);

const isCanceling = (operation: BulkOperationRecord) => operation.status === "CANCELING";

export function isRunning(operation: BulkOperationRecord): boolean {
  return !TERMINAL.has(operation.status);
}

/** What bulk queries execute against: the Admin schema and the root query resolvers. */
export interface BulkExecutionTarget {
  schema: GraphQLSchema;
  query: Record<string, RootResolver>;
}

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

interface Run {
  shop: ShopRecord;
  operation: BulkOperationRecord;
  query: BulkQuery | null;
  lines: string[];
  cursor: string | null;
  cancelTimer: (() => void) | null;
}

interface Page {
  lines: string[];
  roots: number;
  next: string | null;
  errorCode?: "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR";
}

export class BulkRunner {
  private runtime: DevStoreRuntime;
  private runs = new Map<number, Run>();

  constructor(runtime: DevStoreRuntime) {
    this.runtime = runtime;
  }

  start(shop: ShopRecord, operation: BulkOperationRecord) {
    const run: Run = { shop, operation, query: null, lines: [], cursor: null, cancelTimer: null };
    this.runs.set(operation.id, run);
    this.schedule(run, this.runtime.bulkPace.startDelayMs);
  }

  /** Starts cancelling; the operation is CANCELED at its next step, as Shopify's is shortly after. */
  cancel(operation: BulkOperationRecord) {
    operation.status = "CANCELING";
    this.runtime.devStore.store.changed();
    const run = this.runs.get(operation.id);
    if (run?.cancelTimer) {
      run.cancelTimer();
      this.schedule(run, 0);
    }
  }

  /** Picks up operations a previous dev store process left unfinished (state survives restarts). */
  resume(shop: ShopRecord) {
    for (const operation of shop.bulkOperations) {
      if (!isRunning(operation) || this.runs.has(operation.id)) continue;
      operation.objectCount = 0;
      operation.rootObjectCount = 0;
      this.start(shop, operation);
    }
  }

  private schedule(run: Run, delayMs: number) {
    run.cancelTimer = this.runtime.later(delayMs, () => this.step(run));
  }

  private async step(run: Run) {
    run.cancelTimer = null;
    const { operation } = run;
    if (operation.status === "CANCELING") return this.finish(run, "CANCELED");
    if (operation.status === "CREATED") {
      operation.status = "RUNNING";
      this.runtime.devStore.store.changed();
      return this.schedule(run, this.runtime.bulkPace.pageDelayMs);
    }
    const page = await this.readPage(run);
    // Cancelled while the page was being read.
    if (isCanceling(operation)) return this.finish(run, "CANCELED");
    run.lines.push(...page.lines);
    operation.objectCount += page.lines.length;
    operation.rootObjectCount += page.roots;
    this.runtime.devStore.store.changed();
    if (page.errorCode) return this.finish(run, "FAILED", page.errorCode);
    if (page.next === null) return this.finish(run, "COMPLETED");
    run.cursor = page.next;
    this.schedule(run, this.runtime.bulkPace.pageDelayMs);
  }

  private async readPage(run: Run): Promise<Page> {
    const { devStore } = this.runtime;
    const target = devStore.bulkExecutionTarget();
    run.query ??= analyzeBulkQuery(target.schema, run.operation.query).query ?? null;
    const installation = run.shop.installations[run.operation.clientId];
    if (!run.query || !installation || installation.uninstalledAt) {
      return { lines: [], roots: 0, next: null, errorCode: "ACCESS_DENIED" };
    }
    const context = devStore.context(
      run.shop,
      run.operation.clientId,
      installation.scopes.split(","),
    );
    const page: { pageInfo: PageInfo | null } = { pageInfo: null };
    const result = await execute({
      schema: target.schema,
      document: run.query.document,
      operationName: run.query.operationName,
      rootValue: target.query,
      contextValue: context,
      fieldResolver: bulkFieldResolver(run.cursor, page),
    });
    if (result.errors?.length) {
      const denied = result.errors.some(
        (error) => error.originalError instanceof AccessDeniedError,
      );
      // Shopify only reports an error code; the dev store also says why, for the developer.
      console.warn(
        `[dev store] bulk operation ${run.operation.id} failed:`,
        result.errors.map((error) => error.message).join("; "),
      );
      return {
        lines: [],
        roots: 0,
        next: null,
        errorCode: denied ? "ACCESS_DENIED" : "INTERNAL_SERVER_ERROR",
      };
    }
    const lines: string[] = [];
    const roots = writeJsonl(result.data?.[run.query.rootKey], run.query.root, lines);
    const next = page.pageInfo?.hasNextPage ? page.pageInfo.endCursor : null;
    return { lines, roots, next };
  }

  private finish(
    run: Run,
    status: "COMPLETED" | "CANCELED" | "FAILED",
    errorCode: BulkOperationRecord["errorCode"] = null,
  ) {
    const { operation, shop } = run;
    const { store } = this.runtime.devStore;
    this.runs.delete(operation.id);
    const now = this.runtime.now().toISOString();
    operation.status = status;
    operation.errorCode = errorCode;
    if (run.lines.length > 0 && status !== "CANCELED") {
      const bytes = Buffer.from(run.lines.map((line) => `${line}\n`).join(""));
      operation.resultToken = randomBytes(24).toString("hex");
      const blobKey = `bulk-${operation.id}-${operation.resultToken}.jsonl`;
      store.writeBlob(blobKey, bytes);
      if (status === "COMPLETED") {
        operation.resultBlobKey = blobKey;
        operation.fileSize = bytes.length;
      } else {
        operation.partialBlobKey = blobKey;
      }
    }
    // `completedAt` is "when the bulk operation was successfully completed".
    if (status === "COMPLETED") operation.completedAt = now;
    store.changed();
    this.runtime.emitTo(shop, operation.clientId, "bulk_operations/finish", {
      admin_graphql_api_id: gid("BulkOperation", operation.id),
      completed_at: now,
      created_at: operation.createdAt,
      error_code: errorCode?.toLowerCase() ?? null,
      status: status.toLowerCase(),
      type: (operation.type ?? "QUERY").toLowerCase(),
    });
  }
}

/**
 * Field resolution for a bulk query: the dev store's resolvers, with the top-level connection read
 * one page at a time from `after` and every nested connection read to its end.
 */
function bulkFieldResolver(
  after: string | null,
  page: { pageInfo: PageInfo | null },
): GraphQLFieldResolver<unknown, ResolverContext> {
  return async (source, args, context, info) => {
    if (source === null || typeof source !== "object") return null;
    const value = (source as Record<string, unknown>)[info.fieldName];
    if (value === undefined) {
      throw new Error(`The dev store does not implement ${info.parentType.name}.${info.fieldName}`);
    }
    if (typeof value !== "function") return value;
    const resolve = value as (args: unknown, context: ResolverContext) => unknown;
    if (!isConnectionType(info.returnType)) return resolve(args, context);

    const read = async (cursor: string | null) =>
      (await resolve(
        { ...args, first: PAGE_SIZE, last: null, before: null, after: cursor },
        context,
      )) as { edges: Array<{ cursor: string }>; pageInfo: PageInfo } | null;
    if (info.path.prev === undefined) {
      const connection = await read(after);
      page.pageInfo = connection?.pageInfo ?? null;
      return connection;
    }
    const edges: Array<{ cursor: string }> = [];
    let cursor: string | null = null;
    do {
      const connection = await read(cursor);
      if (!connection) return connection;
      edges.push(...connection.edges);
      cursor = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    } while (cursor);
    return {
      edges,
      pageInfo: {
        hasNextPage: false,
        hasPreviousPage: false,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  };
}

const runners = new WeakMap<DevStoreRuntime, BulkRunner>();

export function bulkRunner(runtime: DevStoreRuntime): BulkRunner {
  let runner = runners.get(runtime);
  if (!runner) {
    runner = new BulkRunner(runtime);
    runners.set(runtime, runner);
  }
  return runner;
}

/** A completed operation's results expire after seven days: it is then EXPIRED, without a URL. */
export function settleBulkOperation(operation: BulkOperationRecord, now: Date) {
  if (
    operation.status === "COMPLETED" &&
    operation.completedAt &&
    Date.parse(operation.completedAt) + RESULT_LIFETIME_MS <= now.getTime()
  ) {
    operation.status = "EXPIRED";
  }
  return operation;
}

/** Where the dev store serves an operation's results (`final`) or partial data (`partial`). */
export function resultPath(operation: BulkOperationRecord, kind: "final" | "partial") {
  return `/bulk-operation-outputs/${operation.resultToken}/${kind}.jsonl`;
}
