import type { LoaderFunctionArgs } from "@remix-run/node";

import { authenticate } from "~/shopify.server";

// Shopify's auth paths (/auth/session-token bounce page, /auth/exit-iframe, legacy OAuth callback)
// are all answered inside authenticate.admin.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return null;
};
