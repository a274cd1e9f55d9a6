/**
 * The `files` query's search and sort: Shopify's filters for files (created_at, filename, id, ids,
 * media_type, original_upload_size, product_id, status, updated_at) and free text on the file name
 * and alt text.
 * https://shopify.dev/docs/api/admin-graphql/latest/queries/files
 */
import type { ResolverContext } from "../context.ts";
import { parseGid } from "../ids.ts";
import { matchesSearch, parseSearchQuery, type Term } from "../search-query.ts";
import type { FileRecord } from "../state.ts";
import { settle } from "../views.ts";
import { notImplemented } from "./errors.ts";

function fileField(file: FileRecord, field: string): Array<string | number> | undefined {
  switch (field) {
    case "id":
      return [file.id];
    case "filename":
      return [file.filename];
    case "media_type":
      return [file.kind === "MediaImage" ? "IMAGE" : "GENERIC_FILE"];
    case "status":
      return [file.status];
    case "created_at":
      return [file.createdAt];
    case "updated_at":
      return [file.updatedAt];
    case "original_upload_size":
      return [file.byteSize];
    case "product_id":
      return file.productIds;
    default:
      return undefined;
  }
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
  tb: 1024 ** 4,
};

/** "1.5MB" → "1572864": original_upload_size takes binary units, bytes when there is none. */
function bytesValue(value: string): string {
  const match = /^([\d.]+)\s*(b|kb|mb|gb|tb)?$/i.exec(value);
  if (!match) return value;
  return String(Math.round(Number(match[1]) * UNITS[(match[2] ?? "b").toLowerCase()]!));
}

const idOf = (value: string) => String(parseGid(value)?.id ?? value);

/**
 * Rewrites the terms the generic matcher cannot read: `ids:1,2` (any of the ids) becomes one
 * `id:` term per id, in alternative groups (all excluded when negated), and sizes become bytes.
 */
function normalizeTerms(groups: Term[][]): Term[][] {
  return groups.flatMap((group) => {
    let variants: Term[][] = [[]];
    for (const term of group) {
      if (term.kind === "field" && term.field === "used_in") {
        throw notImplemented("the used_in filter of files");
      }
      if (term.kind === "field" && term.field === "ids") {
        const ids = term.value
          .split(",")
          .map((id) => idOf(id.trim()))
          .filter(Boolean);
        const terms = ids.map((id): Term => ({ ...term, field: "id", op: ":", value: id }));
        variants = term.negate
          ? variants.map((variant) => [...variant, ...terms])
          : variants.flatMap((variant) => terms.map((idTerm) => [...variant, idTerm]));
        continue;
      }
      const normalized: Term =
        term.kind !== "field"
          ? term
          : term.field === "original_upload_size"
            ? { ...term, value: bytesValue(term.value) }
            : term.field === "id" || term.field === "product_id"
              ? { ...term, value: idOf(term.value) }
              : term;
      variants = variants.map((variant) => [...variant, normalized]);
    }
    return variants;
  });
}

type SortKey =
  "ID" | "CREATED_AT" | "UPDATED_AT" | "FILENAME" | "ORIGINAL_UPLOAD_SIZE" | "RELEVANCE";

const SORTERS: Record<SortKey, (a: FileRecord, b: FileRecord) => number> = {
  ID: (a, b) => a.id - b.id,
  CREATED_AT: (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id,
  UPDATED_AT: (a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id - b.id,
  FILENAME: (a, b) => a.filename.localeCompare(b.filename) || a.id - b.id,
  ORIGINAL_UPLOAD_SIZE: (a, b) => a.byteSize - b.byteSize || a.id - b.id,
  // The dev store has no relevance score: matches come in id order.
  RELEVANCE: (a, b) => a.id - b.id,
};

export function searchFiles(
  context: ResolverContext,
  query: string | null | undefined,
  sortKey: string | null | undefined,
): FileRecord[] {
  const groups = normalizeTerms(parseSearchQuery(query ?? ""));
  const now = context.now();
  return context.shop.files
    .map((file) => settle(file, now))
    .filter((file) =>
      matchesSearch(file, groups, fileField, (item) => `${item.filename} ${item.alt}`),
    )
    .sort(SORTERS[(sortKey ?? "ID") as SortKey]);
}
