import type { ActionFunctionArgs } from "@remix-run/node";

import { recordAudit } from "~/audit/audit.server";
import db from "~/db.server";
import { authenticate } from "~/shopify.server";

// Mandatory compliance webhook. Photo Studio reads products and files, never customers or orders
// (see its access scopes), so it holds no customer data to report; acknowledging is the answer.
// https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance#customers-data_request
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await authenticate.webhook(request);
  // The request is logged (without the customer's details) so the shop can show it was answered.
  await recordAudit(db, shop, { action: "customers.data_request", actor: "system" });
  return new Response();
};
