import type { ActionFunctionArgs } from "@remix-run/node";

import { authenticate } from "~/shopify.server";

// Mandatory compliance webhook. Photo Studio stores no customer data (it has no customer or order
// scopes), so there is nothing to erase; the signature is still verified before answering 200.
// https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance#customers-redact
export const action = async ({ request }: ActionFunctionArgs) => {
  await authenticate.webhook(request);
  return new Response();
};
