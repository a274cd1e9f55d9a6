/**
 * The result files of bulk operations, at the unguessable URLs `BulkOperation.url` and
 * `partialDataUrl` hand out (Shopify's are signed storage URLs, valid for seven days): JSONL,
 * refused once the operation has expired.
 */
import { resultPath, settleBulkOperation } from "./bulk-runner.ts";
import type { DevStoreRoute } from "./server.ts";

export const bulkResultRoutes: DevStoreRoute = async (request, url, devStore) => {
  const match = /^\/bulk-operation-outputs\/([0-9a-f]{48})\/(final|partial)\.jsonl$/.exec(
    url.pathname,
  );
  if (!match || (request.method !== "GET" && request.method !== "HEAD")) return null;
  const [, token, kind] = match as unknown as [string, string, "final" | "partial"];
  for (const shop of Object.values(devStore.store.state.shops)) {
    const operation = shop.bulkOperations.find((candidate) => candidate.resultToken === token);
    if (!operation || resultPath(operation, kind) !== url.pathname) continue;
    settleBulkOperation(operation, devStore.now());
    if (operation.status === "EXPIRED") {
      return new Response("Request has expired", { status: 403 });
    }
    const blobKey = kind === "final" ? operation.resultBlobKey : operation.partialBlobKey;
    const bytes = blobKey ? devStore.store.readBlob(blobKey) : null;
    if (!bytes) break;
    return new Response(request.method === "HEAD" ? null : new Uint8Array(bytes), {
      headers: {
        "Content-Type": "application/jsonl",
        "Content-Length": String(bytes.length),
        "Cache-Control": "private, max-age=0",
      },
    });
  }
  return new Response("Not Found", { status: 404 });
};
