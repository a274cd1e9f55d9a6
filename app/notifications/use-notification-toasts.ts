/**
 * Shows the shop's unseen job notifications as App Bridge toasts, once each, and tells the server
 * they were seen (`/app/notifications`), so the next page load does not show them again.
 * https://shopify.dev/docs/api/app-bridge-library/apis/toast
 */
import { useFetcher } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { useEffect, useRef } from "react";

export interface NotificationToast {
  id: string;
  kind: string;
  message: string;
}

export const NOTIFICATIONS_SEEN_PATH = "/app/notifications";

export function useNotificationToasts(notifications: readonly NotificationToast[] | undefined) {
  const shopify = useAppBridge();
  const fetcher = useFetcher();
  const shown = useRef(new Set<string>());
  useEffect(() => {
    const fresh = (notifications ?? []).filter(
      (notification) => !shown.current.has(notification.id),
    );
    if (fresh.length === 0) return;
    for (const notification of fresh) {
      shown.current.add(notification.id);
      shopify.toast.show(notification.message, {
        duration: 8_000,
        isError: notification.kind === "failed",
      });
    }
    fetcher.submit(
      { ids: fresh.map((notification) => notification.id).join(",") },
      { method: "post", action: NOTIFICATIONS_SEEN_PATH },
    );
  }, [notifications, shopify, fetcher]);
}
