import type { ActionFunctionArgs } from "@remix-run/node";

import db from "~/db.server";
import { getEnv } from "~/env.server";
import { QUEUES } from "~/jobs/deps.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { eraseShop } from "~/models/shop.server";
import { authenticate } from "~/shopify.server";
import { storageFor } from "~/storage/object-storage.server";
import { shopPrefix } from "~/storage/keys";

// Mandatory compliance webhook, sent 48 hours after uninstall when the app holds no session for
// the shop any more: it must work from the signed payload alone.
// https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance#shop-redact
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await authenticate.webhook(request);
  // Queue entries first: a task left waiting would run after the erasure and could write the
  // shop's files again. In Redis (BullMQ) they are outside the database eraseShop clears.
  await jobRuntime().queue.purgeShop(shop, Object.values(QUEUES));
  await eraseShop(db, shop);
  // Files after rows: a crash in between leaves files without rows, and Shopify's retry of this
  // webhook (or a repeat) removes them; the other order could leave rows pointing at nothing.
  await storageFor(getEnv()).deletePrefix(shopPrefix(shop));
  return new Response();
};
