import type { ActionFunctionArgs } from "@remix-run/node";

import db from "~/db.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { recordUninstall } from "~/models/shop.server";
import { cancelUnfinishedJobs } from "~/retention/erase-shop.server";
import { authenticate } from "~/shopify.server";

// Shopify may deliver this more than once, and after the sessions are already gone: the handler
// works from the shop domain alone and is idempotent. The shop's data goes with shop/redact, 48
// hours later (or the retention run's safety net, app/retention/erase-shop.server.ts).
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await authenticate.webhook(request);
  await recordUninstall(db, shop);
  // Nothing more runs for the shop: its unfinished jobs stop and their held credits go back.
  await cancelUnfinishedJobs({ db, queue: jobRuntime().queue }, shop);
  return new Response();
};
