/**
 * Where a product's media show: their order (productReorderMedia, asynchronous) and the image of
 * each variant (productVariantAppendMedia / productVariantDetachMedia; a variant shows one image,
 * which must be READY and one of the product's media). Errors are MediaUserErrors.
 * https://shopify.dev/docs/api/admin-graphql/latest/mutations/productVariantAppendMedia
 */
import { requireScope, type ResolverContext, type RootResolver } from "../context.ts";
import { parseGid } from "../ids.ts";
import type { ProductRecord, VariantRecord } from "../state.ts";
import { findFile, productView, settle, variantView } from "../views.ts";
import { userError, type UserErrorView } from "./errors.ts";
import { MAX_VARIANT_MEDIA_PAIRS } from "./limits.ts";
import { announceProducts, findProductByGid } from "./product-media.ts";
import { jobView, pendingReorder, scheduleReorder } from "./reorder-jobs.ts";

const productMissing = (field: string) =>
  userError([field], "Product does not exist", "PRODUCT_DOES_NOT_EXIST");

/** A media id of the product's, or the error saying why it is not one. */
function productMediaId(
  context: ResolverContext,
  product: ProductRecord,
  id: string,
  path: Array<string | number>,
): number | UserErrorView {
  const parsed = parseGid(id, "MediaImage");
  if (!parsed || !findFile(context, parsed.id)) {
    return userError(path, `Media id ${id} does not exist`, "MEDIA_DOES_NOT_EXIST");
  }
  if (!product.mediaIds.includes(parsed.id)) {
    return userError(
      path,
      `Media id ${id} does not exist on the product`,
      "MEDIA_DOES_NOT_EXIST_ON_PRODUCT",
    );
  }
  return parsed.id;
}

const productReorderMedia: RootResolver = ({ id, moves }, context) => {
  requireScope(context, "write_products");
  const fail = (errors: UserErrorView[]) => ({
    job: null,
    mediaUserErrors: errors,
    userErrors: errors.map(({ field, message }) => ({ field, message })),
  });
  const product = findProductByGid(context, id);
  if (!product) return fail([productMissing("id")]);
  if (pendingReorder(context, product.id)) {
    return fail([
      userError(
        ["id"],
        "Media cannot be modified. It is currently being modified by another operation.",
        "MEDIA_CANNOT_BE_MODIFIED",
      ),
    ]);
  }
  const errors: UserErrorView[] = [];
  const planned = (moves as Array<{ id: string; newPosition: string | number }>).flatMap(
    (move, index) => {
      const mediaId = productMediaId(context, product, move.id, ["moves", index, "id"]);
      const newPosition = Number(move.newPosition);
      if (typeof mediaId !== "number") errors.push(mediaId);
      else if (!Number.isSafeInteger(newPosition) || newPosition < 0) {
        errors.push(userError(["moves", index, "newPosition"], "Position is invalid", "INVALID"));
      } else return [{ mediaId, newPosition }];
      return [];
    },
  );
  if (errors.length > 0) return fail(errors);
  return {
    job: jobView(scheduleReorder(context, product, planned)),
    mediaUserErrors: [],
    userErrors: [],
  };
};

interface VariantMediaInput {
  variantId: string;
  mediaIds: string[];
}

/** Checks the pairs of either mutation; the variants and media ids when they are all valid. */
function checkPairs(
  context: ResolverContext,
  product: ProductRecord,
  pairs: VariantMediaInput[],
  errors: UserErrorView[],
): Array<{ variant: VariantRecord; mediaId: number }> {
  if (pairs.length > MAX_VARIANT_MEDIA_PAIRS) {
    errors.push(
      userError(
        ["variantMedia"],
        `Exceeded the maximum number of ${MAX_VARIANT_MEDIA_PAIRS} variant-media pairs per mutation call.`,
        "MAXIMUM_VARIANT_MEDIA_PAIRS_EXCEEDED",
      ),
    );
    return [];
  }
  const seen = new Set<number>();
  return pairs.flatMap((pair, index) => {
    const path = ["variantMedia", index];
    const variantGid = parseGid(pair.variantId, "ProductVariant");
    const variant = product.variants.find((candidate) => candidate.id === variantGid?.id);
    if (!variant) {
      errors.push(
        userError(
          [...path, "variantId"],
          "Variant does not exist on the given product.",
          "PRODUCT_VARIANT_DOES_NOT_EXIST_ON_PRODUCT",
        ),
      );
      return [];
    }
    if (seen.has(variant.id)) {
      errors.push(
        userError(
          [...path, "variantId"],
          "Variant specified in more than one pair.",
          "PRODUCT_VARIANT_SPECIFIED_MULTIPLE_TIMES",
        ),
      );
      return [];
    }
    seen.add(variant.id);
    if (pair.mediaIds.length !== 1) {
      errors.push(
        pair.mediaIds.length === 0
          ? userError([...path, "mediaIds"], "Media ids can't be blank", "BLANK")
          : userError(
              [...path, "mediaIds"],
              "Only one mediaId is allowed per variant-media input pair.",
              "TOO_MANY_MEDIA_PER_INPUT_PAIR",
            ),
      );
      return [];
    }
    const mediaId = productMediaId(context, product, pair.mediaIds[0]!, [...path, "mediaIds"]);
    if (typeof mediaId !== "number") {
      errors.push(mediaId);
      return [];
    }
    return [{ variant, mediaId }];
  });
}

function variantMediaMutation(
  apply: (
    context: ResolverContext,
    pair: { variant: VariantRecord; mediaId: number },
    index: number,
  ) => UserErrorView | (() => void),
): RootResolver {
  return ({ productId, variantMedia }, context) => {
    requireScope(context, "write_products");
    const product = findProductByGid(context, productId);
    if (!product)
      return { product: null, productVariants: null, userErrors: [productMissing("productId")] };
    const errors: UserErrorView[] = [];
    const pairs = checkPairs(context, product, variantMedia as VariantMediaInput[], errors);
    const changes = pairs.map((pair, index) => apply(context, pair, index));
    for (const change of changes) if (typeof change !== "function") errors.push(change);
    if (errors.length > 0) return { product: null, productVariants: null, userErrors: errors };
    for (const change of changes) if (typeof change === "function") change();
    announceProducts(context, [product.id]);
    return {
      product: productView(context, product),
      productVariants: pairs.map(({ variant }) => variantView(context, product, variant)),
      userErrors: [],
    };
  };
}

const productVariantAppendMedia = variantMediaMutation((context, { variant, mediaId }, index) => {
  const path = ["variantMedia", index, "mediaIds"];
  const file = findFile(context, mediaId)!;
  if (settle(file, context.now()).status !== "READY") {
    return userError(path, "Non-ready media are not supported.", "NON_READY_MEDIA");
  }
  if (variant.mediaIds.length > 0 && !variant.mediaIds.includes(mediaId)) {
    return userError(
      path,
      "Product variant already has attached media.",
      "PRODUCT_VARIANT_ALREADY_HAS_MEDIA",
    );
  }
  return () => {
    variant.mediaIds = [mediaId];
  };
});

const productVariantDetachMedia = variantMediaMutation((_context, { variant, mediaId }, index) => {
  if (!variant.mediaIds.includes(mediaId)) {
    return userError(
      ["variantMedia", index, "mediaIds"],
      "The specified media is not attached to the specified variant.",
      "MEDIA_IS_NOT_ATTACHED_TO_VARIANT",
    );
  }
  return () => {
    variant.mediaIds = variant.mediaIds.filter((id) => id !== mediaId);
  };
});

export const mediaOrderMutations: Record<string, RootResolver> = {
  productReorderMedia,
  productVariantAppendMedia,
  productVariantDetachMedia,
};
