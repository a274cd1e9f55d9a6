import type { ActionFunctionArgs } from "@remix-run/node";

import db from "~/db.server";
import { getEnv } from "~/env.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { eraseShopEverywhere } from "~/retention/erase-shop.server";
import { authenticate } from "~/shopify.server";
import { storageFor } from "~/storage/object-storage.server";

// Mandatory compliance webhook, sent 48 hours after uninstall when the app holds no session for
// the shop any more: it must work from the signed payload alone.
// https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance#shop-redact
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await authenticate.webhook(request);
  await eraseShopEverywhere({ db, storage: storageFor(getEnv()), queue: jobRuntime().queue }, shop);
  return new Response();
};
