import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";

import { answer, invalid, methodNotAllowed, readJson } from "~/extensions-api/responses.server";
import { extensionStartSchema, startFromExtension } from "~/extensions-api/start.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { rateLimitRefusal } from "~/security/rate-limit.server";
import { authenticate } from "~/shopify.server";

/**
 * Starts a job from the bulk action or the product action: `{ productIds, choiceId }`. Answers
 * 201 with the job id, or a refusal the extension shows as is (no images, a job already running,
 * not enough credits). OPTIONS preflights are answered by authenticate.admin.
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, cors } = await authenticate.admin(request);
  if (request.method !== "POST") return methodNotAllowed(cors, "POST");
  const refusal = await rateLimitRefusal(session.shop, "extension.job.start");
  if (refusal) return cors(refusal);
  const parsed = extensionStartSchema.safeParse(await readJson(request));
  if (!parsed.success) return invalid(cors, parsed.error);
  const deps = jobRuntime();
  return answer(
    cors,
    async () =>
      startFromExtension(deps, await deps.adminFor(session.shop), session.shop, parsed.data),
    201,
  );
};

// Remix hands OPTIONS (the extension's CORS preflight) and GET to the loader, not the action:
// authenticate.admin answers the preflight itself; anything else here is the wrong method.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { cors } = await authenticate.admin(request);
  return methodNotAllowed(cors, "POST");
};
