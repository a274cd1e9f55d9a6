import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";

import db from "~/db.server";
import { markNotificationsSeen } from "~/notifications/job-notifications.server";
import { authenticate } from "~/shopify.server";

// The app showed these notifications as toasts (app/notifications/use-notification-toasts.ts):
// they are not shown again. Ids of another shop change nothing.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const ids = String((await request.formData()).get("ids") ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => /^[a-z0-9]{1,40}$/i.test(id));
  return json({ seen: await markNotificationsSeen(db, session.shop, ids) });
};
