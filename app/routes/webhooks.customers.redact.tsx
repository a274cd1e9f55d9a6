import type { ActionFunctionArgs } from "@remix-run/node";

import { recordAudit } from "~/audit/audit.server";
import db from "~/db.server";
import { authenticate } from "~/shopify.server";

// Mandatory compliance webhook. Photo Studio stores no customer data (it has no customer or order
// scopes), so there is nothing to erase; the signature is still verified before answering 200.
// https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance#customers-redact
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await authenticate.webhook(request);
  // The request is logged (without the customer's details) so the shop can show it was answered.
  await recordAudit(db, shop, { action: "customers.redact", actor: "system" });
  return new Response();
};
