/**
 * Product media through the product mutations of API 2026-10 (the deprecated productCreateMedia,
 * productUpdateMedia and productDeleteMedia are not modelled): productCreate(product:, media:),
 * productUpdate(product:, media:) and productSet(input: { files }). Fields the dev store does not
 * model are refused, never ignored.
 * https://shopify.dev/docs/apps/build/online-store/product-media
 */
import { requireScope, type Args, type ResolverContext, type RootResolver } from "../context.ts";
import type { FileRecord, ProductRecord } from "../state.ts";
import { productView, shopView } from "../views.ts";
import {
  notImplemented,
  refuseUnsupportedFields,
  userError,
  type UserErrorView,
} from "./errors.ts";
import { checkAlt, executeFileCreate, planFileCreate, type FileCreatePlan } from "./file-create.ts";
import { findFileByGid } from "./file-records.ts";
import { MAX_MEDIA_PER_PRODUCT } from "./limits.ts";
import {
  applyProductFields,
  checkProductFields,
  createProduct,
  PRODUCT_FIELDS,
  type ProductFieldsInput,
} from "./product-fields.ts";
import { announceProducts, attachFile, detachFile, findProductByGid } from "./product-media.ts";

interface CreateMediaInput {
  originalSource: string;
  alt?: string | null;
  mediaContentType: string;
}

/** CreateMediaInput → file plans; only images are modelled as product media. */
function planMedia(inputs: CreateMediaInput[] | null | undefined, errors: UserErrorView[]) {
  return (inputs ?? [])
    .map((input, index) => {
      if (input.mediaContentType !== "IMAGE") {
        throw notImplemented(`product media of type ${input.mediaContentType}`);
      }
      return planFileCreate({ ...input, contentType: "IMAGE" }, ["media", index], errors);
    })
    .filter((plan): plan is FileCreatePlan => plan !== null);
}

function checkMediaCount(count: number, path: string[], errors: UserErrorView[]) {
  if (count > MAX_MEDIA_PER_PRODUCT) {
    errors.push(
      userError(path, `Exceeded the limit of ${MAX_MEDIA_PER_PRODUCT} media per product.`),
    );
  }
}

async function createMedia(
  context: ResolverContext,
  product: ProductRecord,
  plans: FileCreatePlan[],
) {
  for (const plan of plans) attachFile(product, await executeFileCreate(context, plan));
}

function refuseDeprecatedInput(args: Args, mutation: string) {
  if (args.input) throw notImplemented(`${mutation}'s deprecated input argument (use product)`);
}

/** The product an identifier (id or handle; customId is not modelled) names. */
function identified(context: ResolverContext, identifier: Args | null | undefined) {
  if (identifier?.customId) throw notImplemented("product identifiers by customId");
  if (identifier?.id) return findProductByGid(context, identifier.id);
  if (identifier?.handle) {
    return context.shop.products.find((product) => product.handle === identifier.handle);
  }
  return undefined;
}

const productCreate: RootResolver = async (args, context) => {
  requireScope(context, "write_products");
  refuseDeprecatedInput(args, "productCreate");
  const input = (args.product ?? {}) as ProductFieldsInput;
  refuseUnsupportedFields("ProductCreateInput", input, PRODUCT_FIELDS);
  const errors: UserErrorView[] = [];
  checkProductFields(context, input, undefined, [], errors);
  const plans = planMedia(args.media, errors);
  checkMediaCount(plans.length, ["media"], errors);
  if (errors.length > 0) return { product: null, shop: shopView(context), userErrors: errors };

  const product = createProduct(context, input);
  await createMedia(context, product, plans);
  announceProducts(context, [product.id], "products/create");
  return { product: productView(context, product), shop: shopView(context), userErrors: [] };
};

const productUpdate: RootResolver = async (args, context) => {
  requireScope(context, "write_products");
  refuseDeprecatedInput(args, "productUpdate");
  const input = (args.product ?? {}) as ProductFieldsInput & { id?: string | null };
  refuseUnsupportedFields("ProductUpdateInput", input, [...PRODUCT_FIELDS, "id"]);
  const product = identified(context, args.identifier ?? { id: input.id });
  if (!product) return { product: null, userErrors: [userError(["id"], "Product does not exist")] };
  const errors: UserErrorView[] = [];
  checkProductFields(context, input, product, [], errors);
  const plans = planMedia(args.media, errors);
  checkMediaCount(product.mediaIds.length + plans.length, ["media"], errors);
  if (errors.length > 0) return { product: null, userErrors: errors };

  applyProductFields(context, product, input);
  await createMedia(context, product, plans);
  announceProducts(context, [product.id]);
  return { product: productView(context, product), userErrors: [] };
};

interface FileSetInput {
  id?: string | null;
  originalSource?: string | null;
  alt?: string | null;
  contentType?: string | null;
  filename?: string | null;
  duplicateResolutionMode?: "APPEND_UUID" | "RAISE_ERROR" | "REPLACE" | null;
}

/** One entry of productSet's files: an existing image (and its new alt), or one to create. */
type FileEntry = { existing: FileRecord; alt: string | null } | { plan: FileCreatePlan };

function planFileSet(
  context: ResolverContext,
  input: FileSetInput,
  index: number,
  errors: UserErrorView[],
): FileEntry | null {
  const path = ["input", "files", String(index)];
  // ProductSetUserError has its own codes: a bad file input is INVALID_INPUT there.
  const invalid = (message: string, field = path) =>
    errors.push(userError(field, message, "INVALID_INPUT"));
  if ((input.id == null) === (input.originalSource == null)) {
    invalid("Specify either the id of an existing file or an originalSource.");
    return null;
  }
  if (input.id != null) {
    const before = errors.length;
    const existing = findFileByGid(context, input.id);
    if (!existing) {
      errors.push(userError([...path, "id"], `File ${input.id} does not exist.`, "NOT_FOUND"));
    } else if (existing.kind !== "MediaImage") {
      invalid("Only images can be product media.", [...path, "id"]);
    }
    const altError = checkAlt(input.alt, path);
    if (altError) invalid(altError.message, altError.field!);
    return existing && errors.length === before ? { existing, alt: input.alt ?? null } : null;
  }
  const fileErrors: UserErrorView[] = [];
  const plan = planFileCreate(input, path, fileErrors);
  for (const error of fileErrors) invalid(error.message, error.field!);
  if (plan?.kind === "MediaImage") return { plan };
  if (plan) invalid("Only images can be product media.", [...path, "contentType"]);
  return null;
}

/**
 * productSet: the product's fields, and `files` as the complete list of its media: given files
 * are attached in that order, the product's other media are removed from it (the files stay in
 * Files). https://shopify.dev/docs/api/admin-graphql/latest/mutations/productSet
 */
const productSet: RootResolver = async (args, context) => {
  requireScope(context, "write_products");
  if (args.synchronous === false) {
    throw notImplemented("productSet's asynchronous mode (synchronous: false)");
  }
  const input = args.input as ProductFieldsInput & {
    id?: string | null;
    files?: FileSetInput[] | null;
  };
  refuseUnsupportedFields("ProductSetInput", input, [...PRODUCT_FIELDS, "files", "id"]);
  const errors: UserErrorView[] = [];
  const byId = args.identifier?.id ?? input.id;
  let product = identified(context, byId ? { id: byId } : args.identifier);
  if (byId && !product) {
    errors.push(
      userError(
        args.identifier?.id ? ["identifier", "id"] : ["input", "id"],
        "Product does not exist",
        "PRODUCT_DOES_NOT_EXIST",
      ),
    );
  }
  // An unknown handle creates the product under that handle (upsert).
  const fields: ProductFieldsInput =
    !product && args.identifier?.handle ? { handle: args.identifier.handle, ...input } : input;
  const fieldErrors: UserErrorView[] = [];
  checkProductFields(context, fields, product, ["input"], fieldErrors);
  errors.push(...fieldErrors.map((error) => ({ ...error, code: "INVALID_INPUT" })));
  const entries = (input.files ?? [])
    .map((file, index) => planFileSet(context, file, index, errors))
    .filter((entry): entry is FileEntry => entry !== null);
  if (input.files && input.files.length > MAX_MEDIA_PER_PRODUCT) {
    errors.push(
      userError(["input", "files"], "Exceeded the limit of media per product.", "INVALID_INPUT"),
    );
  }
  if (errors.length > 0) return { product: null, productSetOperation: null, userErrors: errors };

  const created = !product;
  if (product) applyProductFields(context, product, fields);
  else product = createProduct(context, fields);
  if (input.files) {
    const files: FileRecord[] = [];
    for (const entry of entries) {
      if ("existing" in entry) {
        if (entry.alt !== null) entry.existing.alt = entry.alt;
        files.push(entry.existing);
      } else files.push(await executeFileCreate(context, entry.plan));
    }
    for (const id of product.mediaIds) {
      const file = context.shop.files.find((candidate) => candidate.id === id);
      if (file && !files.includes(file)) detachFile(product, file);
    }
    for (const file of files) attachFile(product, file);
    product.mediaIds = [...new Set(files.map((file) => file.id))];
  }
  announceProducts(context, [product.id], created ? "products/create" : "products/update");
  return { product: productView(context, product), productSetOperation: null, userErrors: [] };
};

export const productMediaMutations: Record<string, RootResolver> = {
  productCreate,
  productUpdate,
  productSet,
};
