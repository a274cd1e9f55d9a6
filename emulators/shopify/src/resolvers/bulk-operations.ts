/**
 * Bulk operations of the Admin API: bulkOperationRunQuery, bulkOperationCancel, and the reads
 * (currentBulkOperation, bulkOperation, bulkOperations). An app sees only its own operations.
 * Running them is bulk-runner.ts; checking and writing the query is bulk-query.ts.
 * https://shopify.dev/docs/api/usage/bulk-operations/queries
 */
import { analyzeBulkQuery } from "../bulk-query.ts";
import { bulkRunner, isRunning, resultPath, settleBulkOperation } from "../bulk-runner.ts";
import { connection, type ConnectionArgs, UserFacingError } from "../connection.ts";
import type { ResolverContext, ResolverModule } from "../context.ts";
import { gid, parseGid } from "../ids.ts";
import { runtimeFor } from "../runtime.ts";
import { matchesSearch, parseSearchQuery } from "../search-query.ts";
import type { BulkOperationRecord } from "../state.ts";

/**
 * From API version 2026-01 an app runs up to five bulk query operations per shop at once (one
 * before); the dev store serves 2026-07 and later.
 */
export const MAX_RUNNING_BULK_QUERIES = 5;

/** The app's operations on this shop, brought up to date (expiry, a restarted dev store). */
function appOperations(context: ResolverContext): BulkOperationRecord[] {
  const runtime = runtimeFor(context);
  bulkRunner(runtime).resume(context.shop);
  const now = runtime.now();
  return context.shop.bulkOperations
    .filter((operation) => operation.clientId === context.clientId)
    .map((operation) => settleBulkOperation(operation, now));
}

type SortKey = "CREATED_AT" | "COMPLETED_AT";

/** Newest first, as the Admin API lists them. */
function newestFirst(operations: BulkOperationRecord[], sortKey: SortKey = "CREATED_AT") {
  const time = (operation: BulkOperationRecord) =>
    sortKey === "COMPLETED_AT" ? (operation.completedAt ?? "") : operation.createdAt;
  return [...operations].sort((a, b) => time(b).localeCompare(time(a)) || b.id - a.id);
}

export function bulkOperationView(context: ResolverContext, operation: BulkOperationRecord) {
  const url = (kind: "final" | "partial") => context.publicUrl(resultPath(operation, kind));
  return {
    __typename: "BulkOperation",
    id: gid("BulkOperation", operation.id),
    status: operation.status,
    errorCode: operation.errorCode,
    type: operation.type ?? "QUERY",
    query: operation.query,
    createdAt: operation.createdAt,
    completedAt: operation.completedAt,
    // UnsignedInt64 is serialised as a string.
    objectCount: String(operation.objectCount),
    rootObjectCount: String(operation.rootObjectCount),
    fileSize: operation.fileSize === null ? null : String(operation.fileSize),
    url: operation.status === "COMPLETED" && operation.resultBlobKey ? url("final") : null,
    partialDataUrl:
      operation.status === "FAILED" && operation.partialBlobKey ? url("partial") : null,
  };
}

function findOperation(context: ResolverContext, id: unknown) {
  const parsed = parseGid(id, "BulkOperation");
  if (!parsed && !parseGid(id)) throw new UserFacingError(`Invalid global id '${String(id)}'`);
  return parsed && appOperations(context).find((operation) => operation.id === parsed.id);
}

const userError = (field: string[] | null, message: string, code?: string) => ({
  __typename: "BulkOperationUserError",
  field,
  message,
  code: code ?? null,
});

export const bulkOperationResolvers: ResolverModule = {
  query: {
    currentBulkOperation: ({ type }, context) => {
      const latest = newestFirst(appOperations(context)).find(
        (operation) => (operation.type ?? "QUERY") === (type ?? "QUERY"),
      );
      return latest ? bulkOperationView(context, latest) : null;
    },
    bulkOperation: ({ id }, context) => {
      const operation = findOperation(context, id);
      return operation ? bulkOperationView(context, operation) : null;
    },
    bulkOperations: (args, context) => {
      const groups = parseSearchQuery((args.query as string | null) ?? "");
      const matching = appOperations(context).filter((operation) =>
        matchesSearch(
          operation,
          groups,
          (item, field) =>
            ({
              created_at: [item.createdAt],
              id: [item.id],
              operation_type: [(item.type ?? "QUERY").toLowerCase()],
              status: [item.status.toLowerCase()],
            })[field],
          () => "",
        ),
      );
      return connection(
        newestFirst(matching, args.sortKey as SortKey),
        args as ConnectionArgs,
        (operation) => operation.id,
        (operation) => bulkOperationView(context, operation),
      );
    },
  },
  mutation: {
    bulkOperationRunQuery: ({ query, groupObjects }, context) => {
      const runtime = runtimeFor(context);
      const analyzed = analyzeBulkQuery(runtime.devStore.bulkExecutionTarget().schema, query);
      if (analyzed.errors) {
        return {
          bulkOperation: null,
          userErrors: analyzed.errors.map((error) =>
            userError(error.field, error.message, error.code),
          ),
        };
      }
      const running = appOperations(context).filter(
        (operation) => (operation.type ?? "QUERY") === "QUERY" && isRunning(operation),
      );
      if (running.length >= MAX_RUNNING_BULK_QUERIES) {
        const ids = running.map((operation) => gid("BulkOperation", operation.id)).sort();
        return {
          bulkOperation: null,
          userErrors: [
            userError(
              null,
              `A bulk query operation for this app and shop is already in progress: ${ids.join(", ")}.`,
              "OPERATION_IN_PROGRESS",
            ),
          ],
        };
      }
      const operation: BulkOperationRecord = {
        id: context.store.nextId(),
        clientId: context.clientId,
        query,
        status: "CREATED",
        errorCode: null,
        objectCount: 0,
        rootObjectCount: 0,
        resultBlobKey: null,
        fileSize: null,
        createdAt: runtime.now().toISOString(),
        completedAt: null,
        type: "QUERY",
        groupObjects: Boolean(groupObjects),
      };
      context.shop.bulkOperations.push(operation);
      bulkRunner(runtime).start(context.shop, operation);
      return { bulkOperation: bulkOperationView(context, operation), userErrors: [] };
    },
    bulkOperationCancel: ({ id }, context) => {
      const operation = findOperation(context, id);
      if (!operation) {
        return {
          bulkOperation: null,
          userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }],
        };
      }
      if (!isRunning(operation)) {
        return {
          bulkOperation: bulkOperationView(context, operation),
          userErrors: [
            {
              field: null,
              message: `A bulk operation cannot be canceled when it is ${operation.status.toLowerCase()}`,
            },
          ],
        };
      }
      if (operation.status !== "CANCELING") bulkRunner(runtimeFor(context)).cancel(operation);
      return { bulkOperation: bulkOperationView(context, operation), userErrors: [] };
    },
  },
};
