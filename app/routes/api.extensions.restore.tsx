import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";

import { answer, invalid, methodNotAllowed, readJson } from "~/extensions-api/responses.server";
import { restoreFromExtension } from "~/extensions-api/restore.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { authenticate } from "~/shopify.server";

const restoreSchema = z.object({
  productId: z.string().regex(/^gid:\/\/shopify\/Product\/\d+$/, "must be a Shopify product id"),
});

/** "Restore original images" from the product page action: `{ productId }`. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, cors } = await authenticate.admin(request);
  if (request.method !== "POST") return methodNotAllowed(cors, "POST");
  const parsed = restoreSchema.safeParse(await readJson(request));
  if (!parsed.success) return invalid(cors, parsed.error);
  return answer(
    cors,
    async () => restoreFromExtension(jobRuntime(), session.shop, parsed.data.productId),
    202,
  );
};

// Remix hands OPTIONS (the extension's CORS preflight) and GET to the loader, not the action:
// authenticate.admin answers the preflight itself; anything else here is the wrong method.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { cors } = await authenticate.admin(request);
  return methodNotAllowed(cors, "POST");
};
