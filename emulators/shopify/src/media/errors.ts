/**
 * The error shapes of the files and media mutations: user errors (`field` path, `message`, and a
 * `code` where the payload's error type has one), processing errors recorded on a file
 * (FileErrorCode, reported as `fileErrors` / `mediaErrors` once the file FAILED), and the refusal
 * of an input the dev store does not model.
 */
import { UserFacingError } from "../connection.ts";
import type { FileRecord } from "../state.ts";

export interface UserErrorView {
  field: string[] | null;
  message: string;
  code?: string;
}

/** Shopify's user error paths are strings, list indexes included: ["files", "0", "alt"]. */
export function userError(
  path: Array<string | number> | null,
  message: string,
  code?: string,
): UserErrorView {
  return { field: path ? path.map(String) : null, message, ...(code ? { code } : {}) };
}

/** Fails the whole request, as the executor does for a field nobody implemented. */
export function notImplemented(what: string) {
  return new UserFacingError(
    `The dev store does not implement ${what}`,
    "NOT_IMPLEMENTED_IN_DEV_STORE",
  );
}

/**
 * Refuses with notImplemented when the input asks for anything outside `supported`. `false` and
 * `[]` ask for nothing the dev store would have to model (the schema itself fills in some `false`
 * defaults, such as ProductUpdateInput.deleteConflictingConstrainedMetafields).
 */
export function refuseUnsupportedFields(
  typeName: string,
  input: object | null | undefined,
  supported: readonly string[],
) {
  for (const [name, value] of Object.entries(input ?? {})) {
    const asksNothing =
      value === undefined ||
      value === null ||
      value === false ||
      (Array.isArray(value) && value.length === 0);
    if (!asksNothing && !supported.includes(name)) throw notImplemented(`${typeName}.${name}`);
  }
}

export type FileErrorRecord = FileRecord["errors"][number];

/** FileErrorCode values the dev store's processing produces, with the schema's descriptions. */
const FILE_ERROR_MESSAGES = {
  IMAGE_DOWNLOAD_FAILURE: "File could not be processed because the image could not be downloaded.",
  GENERIC_FILE_DOWNLOAD_FAILURE:
    "File could not be processed because the source could not be downloaded.",
  IMAGE_PROCESSING_FAILURE: "File could not be processed because the image could not be processed.",
  INVALID_IMAGE_FILE_SIZE: "File could not be created because the image size is too large.",
  GENERIC_FILE_INVALID_SIZE: "File could not be created because the size is too large.",
  INVALID_IMAGE_RESOLUTION:
    "File could not be created because the image's resolution exceeds the max limit.",
  UNSUPPORTED_IMAGE_FILE_TYPE:
    "File could not be created because the image is an unsupported file type.",
  DUPLICATE_FILENAME_ERROR:
    "File could not be created because a file with the same name already exists.",
} as const;

export type FileErrorCode = keyof typeof FILE_ERROR_MESSAGES;

export function fileError(code: FileErrorCode, details: string): FileErrorRecord {
  return { code, message: FILE_ERROR_MESSAGES[code], details };
}
