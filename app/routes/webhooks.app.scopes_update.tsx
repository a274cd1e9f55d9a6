import type { ActionFunctionArgs } from "@remix-run/node";

import db from "~/db.server";
import { recordScopesUpdate } from "~/models/shop.server";
import { authenticate } from "~/shopify.server";

// https://shopify.dev/docs/api/webhooks?reference=toml#list-of-topics-app-scopes_update
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, payload } = await authenticate.webhook(request);
  const current = (payload as { current?: unknown }).current;
  if (!Array.isArray(current) || !current.every((scope) => typeof scope === "string")) {
    return new Response("payload.current must be a list of scopes", { status: 422 });
  }
  await recordScopesUpdate(db, shop, current);
  return new Response();
};
