/**
 * Shows the shop's unseen job notifications as App Bridge toasts, once each, and tells the server
 * they were seen (`/app/notifications`), so they are not shown again.
 * https://shopify.dev/docs/api/app-bridge-library/apis/toast
 */
import { useFetcher } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { useEffect, useRef } from "react";

/** How often an open app asks whether a job has finished meanwhile. */
export const NOTIFICATION_POLL_MS = 30_000;

export interface NotificationToast {
  id: string;
  kind: string;
  message: string;
}

export const NOTIFICATIONS_PATH = "/app/notifications";

/**
 * While the app is open (any page: the layout calls this), asks for unseen notifications when it
 * opens, every NOTIFICATION_POLL_MS while the tab is visible, and when it becomes visible again,
 * and shows them: a job that finishes while the merchant is elsewhere in the app is told at once.
 */
export function useLiveNotificationToasts() {
  const fetcher = useFetcher<{ notifications: NotificationToast[] }>();
  // The fetcher object changes with every render; the timer keeps calling the current one.
  const load = useRef(fetcher.load);
  load.current = fetcher.load;
  useEffect(() => {
    const ask = () => {
      if (document.visibilityState === "visible") load.current(NOTIFICATIONS_PATH);
    };
    ask();
    const timer = setInterval(ask, NOTIFICATION_POLL_MS);
    document.addEventListener("visibilitychange", ask);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", ask);
    };
  }, []);
  useNotificationToasts(fetcher.data?.notifications);
}

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
      { method: "post", action: NOTIFICATIONS_PATH },
    );
  }, [notifications, shopify, fetcher]);
}
