import type { ActionFunctionArgs } from "@remix-run/node";

import { replicateWebhookHandler } from "~/ai/provider.server";

// Replicate, not Shopify, calls this route, so there is no Shopify authentication here: the
// webhook signature is the authentication. The provider verifies it on the raw body
// (webhook-id, webhook-timestamp, webhook-signature; HMAC-SHA256 with the account's whsec_
// secret, five-minute tolerance) and answers 401 to anything else; repeated deliveries of one
// webhook-id are acknowledged and ignored. No loader: a GET is answered 405.
export const action = async ({ request }: ActionFunctionArgs) => {
  const handle = replicateWebhookHandler();
  if (!handle) return new Response("Replicate webhooks are not configured", { status: 404 });
  return handle(request);
};
