import type { ActionFunctionArgs } from "@remix-run/node";

import { handleBillingWebhook, isBillingTopic } from "~/billing/billing-webhooks.server";
import db from "~/db.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { adminClientOver } from "~/shopify/admin-client.server";
import { authenticate } from "~/shopify.server";

// Subscription changes, the usage cap warning and one-time purchases (shopify.app.toml). Shopify
// retries until it gets a 2xx, so a failure to reach the API answers 500 and comes back.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, topic, admin } = await authenticate.webhook(request);
  if (!isBillingTopic(topic)) return new Response("Unexpected topic", { status: 400 });
  await handleBillingWebhook(
    { db, queue: jobRuntime().queue },
    { shop, topic, admin: admin ? adminClientOver(shop, admin) : null },
  );
  return new Response();
};
