import type { ActionFunctionArgs } from "@remix-run/node";

import { authenticate } from "~/shopify.server";

// Mandatory compliance webhook. Photo Studio reads products and files, never customers or orders
// (see its access scopes), so it holds no customer data to report; acknowledging is the answer.
// https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance#customers-data_request
export const action = async ({ request }: ActionFunctionArgs) => {
  await authenticate.webhook(request);
  return new Response();
};
