/**
 * Creating files from inputs (fileCreate's FileCreateInput, and the product mutations' media and
 * files inputs): checking the input as Shopify does before anything is created, then creating the
 * file from its source, with Shopify's handling of a file name already in use.
 * https://shopify.dev/docs/api/admin-graphql/latest/mutations/fileCreate
 */
import type { ResolverContext } from "../context.ts";
import type { FileRecord } from "../state.ts";
import { fileError, userError, type UserErrorView } from "./errors.ts";
import {
  createFile,
  filenameTaken,
  ingest,
  kindFor,
  replaceContent,
  validFilename,
  withUuid,
  type FileKind,
} from "./file-records.ts";
import { MAX_ALT_LENGTH } from "./limits.ts";
import { extensionOf, filenameOfUrl, parseSourceUrl } from "./sources.ts";

export interface FileSourceInput {
  originalSource?: string | null;
  alt?: string | null;
  contentType?: string | null;
  filename?: string | null;
  duplicateResolutionMode?: "APPEND_UUID" | "RAISE_ERROR" | "REPLACE" | null;
}

export interface FileCreatePlan {
  url: URL;
  kind: FileKind;
  filename: string | null;
  alt: string;
  mode: "APPEND_UUID" | "RAISE_ERROR" | "REPLACE";
}

export function checkAlt(alt: string | null | undefined, path: Array<string | number>) {
  return alt && alt.length > MAX_ALT_LENGTH
    ? userError(
        [...path, "alt"],
        "The alt value exceeds the maximum limit of 512 characters.",
        "ALT_VALUE_LIMIT_EXCEEDED",
      )
    : null;
}

/** Checks one input (errors go to `errors`, under `path`); a plan when it can be created. */
export function planFileCreate(
  input: FileSourceInput,
  path: Array<string | number>,
  errors: UserErrorView[],
): FileCreatePlan | null {
  const before = errors.length;
  const altError = checkAlt(input.alt, path);
  if (altError) errors.push(altError);
  const url = parseSourceUrl(input.originalSource);
  const kind = kindFor(input.contentType, input.filename ?? (url ? filenameOfUrl(url) : ""));
  if (!url) {
    errors.push(
      kind === "MediaImage"
        ? userError(
            [...path, "originalSource"],
            "Invalid image source url value provided.",
            "INVALID_IMAGE_SOURCE_URL",
          )
        : userError([...path, "originalSource"], "The input value is invalid.", "INVALID"),
    );
  }
  const filename = input.filename ?? null;
  if (filename !== null && !validFilename(filename)) {
    errors.push(
      userError([...path, "filename"], "The provided filename is invalid.", "INVALID_FILENAME"),
    );
  } else if (filename !== null && url) {
    const sourceExtension = extensionOf(filenameOfUrl(url));
    if (sourceExtension && extensionOf(filename) !== sourceExtension) {
      errors.push(
        userError(
          [...path, "filename"],
          "Cannot create file with custom filename which does not match original source extension.",
          "MISMATCHED_FILENAME_AND_ORIGINAL_SOURCE",
        ),
      );
    }
  }
  const mode = input.duplicateResolutionMode ?? "APPEND_UUID";
  if (mode === "REPLACE" && filename === null) {
    errors.push(
      userError(
        [...path, "duplicateResolutionMode"],
        "Duplicate resolution mode REPLACE cannot be used without specifying filename.",
        "MISSING_FILENAME_FOR_DUPLICATE_MODE_REPLACE",
      ),
    );
  }
  if (errors.length > before || !url) return null;
  return { url, kind, filename, alt: input.alt ?? "", mode };
}

/**
 * Creates the planned file, reading its source now. A name already in use gets a uuid appended
 * (APPEND_UUID, the default), fails the file (RAISE_ERROR), or has the existing file of that name
 * take the new content in place (REPLACE).
 */
export async function executeFileCreate(
  context: ResolverContext,
  plan: FileCreatePlan,
): Promise<FileRecord> {
  const ingested = await ingest(context, plan.url, plan.kind);
  let filename = plan.filename ?? (ingested.sourceFilename || "file");
  if (filenameTaken(context, filename)) {
    if (plan.mode === "APPEND_UUID") {
      filename = withUuid(filename);
    } else {
      const existing = context.shop.files.find(
        (file) => file.filename.toLowerCase() === filename.toLowerCase(),
      );
      if (plan.mode === "REPLACE" && existing?.kind === plan.kind) {
        replaceContent(context, existing, ingested);
        if (plan.alt) existing.alt = plan.alt;
        return existing;
      }
      ingested.bytes = null;
      ingested.errors = [
        fileError(
          "DUPLICATE_FILENAME_ERROR",
          `A file named ${filename} already exists${plan.mode === "REPLACE" ? " and is not of the same type" : ""}.`,
        ),
      ];
    }
  }
  return createFile(context, { kind: plan.kind, filename, alt: plan.alt, ingested });
}
