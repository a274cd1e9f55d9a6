/**
 * "Restore original images" on the product page: every Photo Studio result written to the
 * product is put back to the image it replaced. The work is queued (restoreProduct); the answer
 * says how many images will be restored, or why nothing can be.
 */
import type { JobDeps } from "../jobs/deps.server.ts";
import { restoreProduct } from "../jobs/review.server.ts";

import { ExtensionRefusal } from "./refusal.ts";

export async function restoreFromExtension(
  deps: Pick<JobDeps, "db" | "queue">,
  shop: string,
  productId: string,
) {
  const outcome = await restoreProduct(deps, shop, productId);
  if (outcome.done.length === 0) {
    throw new ExtensionRefusal(
      "not_found",
      404,
      "Photo Studio has not changed any images of this product, so there is nothing to restore.",
    );
  }
  return { restoring: outcome.done.length };
}
