/**
 * fileUpdate: alt text, file name, content replaced in place (same id and URL path, new ?v=), and
 * the file's product references. Every input is checked before anything changes; a file must be
 * READY to be updated.
 * https://shopify.dev/docs/api/admin-graphql/latest/mutations/fileUpdate
 */
import { requireScope, type ResolverContext } from "../context.ts";
import type { FileRecord, ProductRecord } from "../state.ts";
import { settle } from "../views.ts";
import { notImplemented, userError, type UserErrorView } from "./errors.ts";
import { checkAlt } from "./file-create.ts";
import {
  filenameTaken,
  findFileByGid,
  ingest,
  replaceContent,
  validFilename,
} from "./file-records.ts";
import { MAX_MEDIA_PER_PRODUCT } from "./limits.ts";
import { attachFile, detachFile, findProductByGid } from "./product-media.ts";
import { extensionOf, filenameOfUrl, parseSourceUrl } from "./sources.ts";

export interface FileUpdateInput {
  id: string;
  alt?: string | null;
  filename?: string | null;
  originalSource?: string | null;
  previewImageSource?: string | null;
  referencesToAdd?: string[] | null;
  referencesToRemove?: string[] | null;
}

interface UpdatePlan {
  file: FileRecord;
  input: FileUpdateInput;
  source: URL | null;
  add: ProductRecord[];
  remove: ProductRecord[];
}

function products(
  context: ResolverContext,
  ids: string[] | null | undefined,
  path: Array<string | number>,
  errors: UserErrorView[],
) {
  const found: ProductRecord[] = [];
  for (const id of ids ?? []) {
    const product = findProductByGid(context, id);
    if (product) found.push(product);
    else {
      errors.push(
        userError(
          path,
          `The reference target ${id} does not exist.`,
          "REFERENCE_TARGET_DOES_NOT_EXIST",
        ),
      );
    }
  }
  return found;
}

function planUpdate(
  context: ResolverContext,
  input: FileUpdateInput,
  index: number,
  errors: UserErrorView[],
): UpdatePlan | null {
  const path = ["files", index];
  const file = findFileByGid(context, input.id);
  if (!file) {
    errors.push(
      userError([...path, "id"], `File id ${input.id} does not exist.`, "FILE_DOES_NOT_EXIST"),
    );
    return null;
  }
  if (input.previewImageSource != null) {
    if (input.originalSource != null) {
      errors.push(
        userError(
          path,
          "Specify either originalSource or previewImageSource, not both.",
          "INVALID",
        ),
      );
      return null;
    }
    throw notImplemented("fileUpdate's previewImageSource");
  }
  const changes = ["alt", "filename", "originalSource", "referencesToAdd", "referencesToRemove"];
  if (!changes.some((name) => input[name as keyof FileUpdateInput] != null)) {
    errors.push(userError(path, "At least one argument is required.", "MISSING_ARGUMENTS"));
    return null;
  }
  const status = settle(file, context.now()).status;
  if (status === "FAILED") {
    errors.push(
      userError(
        [...path, "id"],
        "File cannot be updated in a failed state.",
        "INVALID_FAILED_MEDIA_STATE",
      ),
    );
    return null;
  }
  if (status !== "READY") {
    errors.push(
      userError([...path, "id"], "The file is not in the READY state.", "NON_READY_STATE"),
    );
    return null;
  }
  const before = errors.length;
  const altError = checkAlt(input.alt, path);
  if (altError) errors.push(altError);
  const extension = extensionOf(file.filename);
  if (input.filename != null) {
    if (!validFilename(input.filename)) {
      errors.push(
        userError([...path, "filename"], "The provided filename is invalid.", "INVALID_FILENAME"),
      );
    } else if (extensionOf(input.filename) !== extension) {
      errors.push(
        userError(
          [...path, "filename"],
          `The filename's extension must stay .${extension}.`,
          "INVALID_FILENAME_EXTENSION",
        ),
      );
    } else if (filenameTaken(context, input.filename, file.id)) {
      errors.push(
        userError(
          [...path, "filename"],
          "The provided filename already exists.",
          "FILENAME_ALREADY_EXISTS",
        ),
      );
    }
  }
  let source: URL | null = null;
  if (input.originalSource != null) {
    source = parseSourceUrl(input.originalSource);
    if (!source) {
      errors.push(
        userError(
          [...path, "originalSource"],
          "Invalid image source url value provided.",
          "INVALID_IMAGE_SOURCE_URL",
        ),
      );
    } else if (extensionOf(filenameOfUrl(source)) !== extension) {
      // The content is replaced under the same URL, so it must stay the same type of file.
      errors.push(
        userError(
          [...path, "originalSource"],
          `The original source must be a .${extension} file, like the file it replaces.`,
          "INVALID_FILENAME_EXTENSION",
        ),
      );
    }
  }
  const add = products(context, input.referencesToAdd, [...path, "referencesToAdd"], errors);
  const remove = products(
    context,
    input.referencesToRemove,
    [...path, "referencesToRemove"],
    errors,
  );
  if ((add.length > 0 || remove.length > 0) && file.kind !== "MediaImage") {
    errors.push(
      userError(
        [...path, "referencesToAdd"],
        "The file type is not supported for referencing.",
        "UNSUPPORTED_FILE_REFERENCE",
      ),
    );
  }
  for (const product of add) {
    if (!product.mediaIds.includes(file.id) && product.mediaIds.length >= MAX_MEDIA_PER_PRODUCT) {
      errors.push(
        userError(
          [...path, "referencesToAdd"],
          "Exceeded the limit of media per product.",
          "PRODUCT_MEDIA_LIMIT_EXCEEDED",
        ),
      );
    }
  }
  return errors.length > before ? null : { file, input, source, add, remove };
}

export async function fileUpdate(context: ResolverContext, inputs: FileUpdateInput[]) {
  const errors: UserErrorView[] = [];
  const plans = inputs
    .map((input, index) => planUpdate(context, input, index, errors))
    .filter((plan): plan is UpdatePlan => plan !== null);
  if (plans.some((plan) => plan.add.length > 0 || plan.remove.length > 0)) {
    requireScope(context, "write_products");
  }
  if (errors.length > 0) return { files: null, userErrors: errors, touched: [] };

  const touched = new Set<number>();
  for (const { file, input, source, add, remove } of plans) {
    if (input.alt != null) file.alt = input.alt;
    if (input.filename != null) file.filename = input.filename;
    for (const product of add) {
      attachFile(product, file);
      touched.add(product.id);
    }
    for (const product of remove) {
      if (product.mediaIds.includes(file.id)) touched.add(product.id);
      detachFile(product, file);
    }
    if (source) replaceContent(context, file, await ingest(context, source, file.kind));
    // The media's alt, name or image is part of every product that shows it.
    if (input.alt != null || input.filename != null || source) {
      for (const id of file.productIds) touched.add(id);
    }
    file.updatedAt = context.now().toISOString();
  }
  context.store.changed();
  return { files: plans.map((plan) => plan.file), userErrors: [], touched: [...touched] };
}
