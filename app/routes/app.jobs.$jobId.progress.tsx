import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";

import { jobProgress } from "~/jobs/progress.server";
import db from "~/db.server";
import { authenticate } from "~/shopify.server";

/**
 * A job's progress, polled by the review page (App Bridge's authenticated fetch: a session token
 * per request, which an EventSource could not send). Another shop's job answers 404, exactly like
 * a missing one.
 */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const progress = await jobProgress(db, session.shop, params.jobId ?? "");
  if (!progress) throw json({ message: "No such job" }, { status: 404 });
  return json(progress, { headers: { "Cache-Control": "no-store" } });
};
