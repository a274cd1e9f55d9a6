import type { ActionFunctionArgs } from "@remix-run/node";

import db from "~/db.server";
import { recordUninstall } from "~/models/shop.server";
import { authenticate } from "~/shopify.server";

// Shopify may deliver this more than once, and after the sessions are already gone: the handler
// works from the shop domain alone and is idempotent.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await authenticate.webhook(request);
  await recordUninstall(db, shop);
  return new Response();
};
