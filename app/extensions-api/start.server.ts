/**
 * Starting a job from an admin extension. The extension already shows cost and images, but it
 * may be stale and it is not trusted: the request is checked again here, and each reason to
 * refuse gets its own plain message (products without images, products another job is still
 * working on, too few credits) instead of a job that fails or skips everything later.
 */
import { z } from "zod";

import { formatCredits } from "../billing/costs.ts";
import { creditSummary } from "../billing/ledger.server.ts";
import type { JobDeps } from "../jobs/deps.server.ts";
import { startJob } from "../jobs/start-job.server.ts";
import type { AdminClient } from "../shopify/admin-types.ts";

import { busyProducts } from "./busy-products.server.ts";
import { findChoice } from "./choices.server.ts";
import { productImages } from "./product-images.server.ts";
import { ExtensionRefusal } from "./refusal.ts";

/** Admin lets a merchant select at most a page of products for a bulk action. */
export const MAX_SELECTED_PRODUCTS = 250;

export const extensionStartSchema = z.object({
  productIds: z
    .array(z.string().regex(/^gid:\/\/shopify\/Product\/\d+$/, "must be Shopify product ids"))
    .min(1, "Select at least one product.")
    .max(MAX_SELECTED_PRODUCTS, `Select at most ${MAX_SELECTED_PRODUCTS} products.`),
  choiceId: z.string().min(1, "Choose a recipe or a preset."),
});

export type ExtensionStartInput = z.infer<typeof extensionStartSchema>;

export async function startFromExtension(
  deps: Pick<JobDeps, "db" | "queue">,
  admin: AdminClient,
  shop: string,
  input: ExtensionStartInput,
) {
  const productIds = [...new Set(input.productIds)];
  const choice = await findChoice(deps.db, shop, input.choiceId);
  if (!choice) {
    throw new ExtensionRefusal("not_found", 404, "That recipe no longer exists. Choose another.");
  }

  const products = await productImages(admin, productIds);
  const byId = new Map(products.map((product) => [product.id, product]));
  const missing = productIds.filter((id) => !byId.has(id));
  if (missing.length > 0) {
    throw new ExtensionRefusal(
      "not_found",
      404,
      missing.length === 1
        ? "One of the selected products no longer exists."
        : `${missing.length} of the selected products no longer exist.`,
      { productIds: missing },
    );
  }
  const withoutImages = products.filter((product) => product.images === 0);
  if (withoutImages.length > 0) {
    throw new ExtensionRefusal(
      "no_images",
      422,
      `${listTitles(withoutImages.map((p) => p.title))} ${
        withoutImages.length === 1 ? "has" : "have"
      } no images to enhance. Add images or leave ${
        withoutImages.length === 1 ? "it" : "them"
      } out of the selection.`,
      { productIds: withoutImages.map((p) => p.id) },
    );
  }

  const busy = await busyProducts(deps.db, shop, productIds);
  if (busy.length > 0) {
    throw new ExtensionRefusal(
      "job_running",
      409,
      `Photo Studio is still working on ${listTitles(
        busy.map((b) => byId.get(b.productId)?.title || b.productTitle),
      )}. Finish or cancel that job first.`,
      { productIds: busy.map((b) => b.productId), jobId: busy[0]!.jobId },
    );
  }

  const imageCount = products.reduce((sum, product) => sum + product.images, 0);
  const needed = imageCount * choice.creditsPerImage;
  const credits = await creditSummary(deps.db, shop);
  if (needed > credits.available) {
    throw new ExtensionRefusal(
      "insufficient_credits",
      402,
      `This needs ${formatCredits(needed)} for ${imageCount} ${
        imageCount === 1 ? "image" : "images"
      } and you have ${
        credits.available > 0 ? formatCredits(credits.available) : "no credits"
      } left. Buy more credits in Photo Studio or select fewer products.`,
      { needed, available: credits.available },
    );
  }

  const job = await startJob(deps, shop, {
    selection: { productIds },
    recipe: choice.recipe,
    mode: choice.mode,
    autoApprove: choice.autoApprove,
  });
  return { jobId: job.id, imageCount, credits: needed };
}

/** “Red mug”, “Red mug” and “Blue cap”, “Red mug”, “Blue cap” and 3 more products. */
function listTitles(titles: string[]) {
  const named = titles.map((title) => (title ? `“${title}”` : "a product"));
  if (named.length === 1) return named[0]!;
  if (named.length <= 3) return `${named.slice(0, -1).join(", ")} and ${named.at(-1)}`;
  return `${named.slice(0, 2).join(", ")} and ${named.length - 2} more products`;
}
