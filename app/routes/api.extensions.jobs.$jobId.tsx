import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";

import db from "~/db.server";
import { ExtensionRefusal } from "~/extensions-api/refusal";
import { answer, methodNotAllowed } from "~/extensions-api/responses.server";
import { jobProgress } from "~/jobs/progress.server";
import { authenticate } from "~/shopify.server";

/**
 * A job's progress for the extension that started it. Another shop's job answers exactly like a
 * missing one.
 */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session, cors } = await authenticate.admin(request);
  return answer(cors, async () => {
    const progress = await jobProgress(db, session.shop, params.jobId ?? "");
    if (!progress) throw new ExtensionRefusal("not_found", 404, "This job does not exist.");
    return progress;
  });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { cors } = await authenticate.admin(request);
  return methodNotAllowed(cors, "GET");
};
