import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";

import db from "~/db.server";
import {
  markNotificationsSeen,
  unseenNotifications,
} from "~/notifications/job-notifications.server";
import { authenticate } from "~/shopify.server";

// The shop's job notifications not shown yet, which the app's layout asks for while it is open
// and shows as toasts (app/notifications/use-notification-toasts.ts).
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json(
    { notifications: await unseenNotifications(db, session.shop) },
    { headers: { "Cache-Control": "no-store" } },
  );
};

// The app showed these notifications as toasts: they are not shown again. Ids of another shop
// change nothing.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const ids = String((await request.formData()).get("ids") ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => /^[a-z0-9]{1,40}$/i.test(id));
  return json({ seen: await markNotificationsSeen(db, session.shop, ids) });
};
