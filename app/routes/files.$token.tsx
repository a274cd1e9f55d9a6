import type { LoaderFunctionArgs } from "@remix-run/node";

import { getEnv } from "~/env.server";
import { storageFor } from "~/storage/object-storage.server";
import { serveSignedFile } from "~/storage/signed-url.server";

/**
 * Stored originals and results, by signed link only (app/storage/signed-url.server.ts). No session:
 * an <img> in the admin iframe cannot send one, so the signed, expiring, shop-bound token is the
 * permission. Tampered, expired and foreign links all get the same 403.
 */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const env = getEnv();
  return serveSignedFile(request, params.token ?? "", {
    storage: storageFor(env),
    secret: env.apiSecret,
  });
};
