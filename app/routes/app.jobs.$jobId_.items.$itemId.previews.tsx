import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";

import db from "~/db.server";
import { cleanId, notFound } from "~/review/http.server";
import { reviewPreviews } from "~/review/review-view.server";
import { authenticate } from "~/shopify.server";

/**
 * The review detail view's preview links for one item, fetched when the merchant opens it (the
 * grid's page carries thumbnails only). Another shop's item is a 404 like a missing one.
 */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const jobId = cleanId(params.jobId);
  const itemId = cleanId(params.itemId);
  const previews = jobId && itemId ? await reviewPreviews(db, session.shop, jobId, itemId) : null;
  if (!previews) notFound("image");
  return json(previews, { headers: { "Cache-Control": "private, no-store" } });
};
