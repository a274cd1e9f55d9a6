import type { ActionFunctionArgs } from "@remix-run/node";

import { productTopic, receiveProductWebhook } from "~/automation/product-events.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { authenticate } from "~/shopify.server";

// products/create and products/update (shopify.app.toml), for automation: recorded and queued
// here, processed by a queue task, so Shopify gets its answer at once. Repeated and late
// deliveries are recognised and do nothing (app/automation/product-events.server.ts).
// https://shopify.dev/docs/api/webhooks?reference=toml#list-of-topics-products-update
export const action = async ({ request }: ActionFunctionArgs) => {
  const webhook = await authenticate.webhook(request);
  const topic = productTopic(webhook.topic);
  if (!topic) return new Response("Unexpected topic", { status: 400 });
  const { shop, payload, webhookId, eventId } = webhook;
  await receiveProductWebhook(jobRuntime(), { shop, topic, webhookId, eventId, payload });
  return new Response();
};
