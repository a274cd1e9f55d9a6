import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";

import db from "~/db.server";
import { productStatus } from "~/extensions-api/product-status.server";
import { answer, invalid, methodNotAllowed } from "~/extensions-api/responses.server";
import { authenticate } from "~/shopify.server";

const querySchema = z.object({
  productId: z.string().regex(/^gid:\/\/shopify\/Product\/\d+$/, "must be a Shopify product id"),
});

/** The product page block's status: `?productId=<gid>`. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, cors } = await authenticate.admin(request);
  const parsed = querySchema.safeParse(
    Object.fromEntries(new URL(request.url).searchParams.entries()),
  );
  if (!parsed.success) return invalid(cors, parsed.error);
  return answer(cors, () => productStatus(db, session.shop, parsed.data.productId));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { cors } = await authenticate.admin(request);
  return methodNotAllowed(cors, "GET");
};
