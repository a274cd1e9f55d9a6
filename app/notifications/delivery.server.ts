/**
 * Sending job notifications beyond the app: to the shop's email address and chat webhook, from a
 * queue task, never from the job step that recorded the notification (a slow mail server must
 * not hold up a job). Recording is the outbox: a worker process queues what its own process
 * recorded at once, and looks for any notification not yet queued every few seconds, queueing
 * one task per notification under its id, so a fleet queues each once. The task retries with the queue's backoff; each channel is marked sent as
 * soon as it succeeds, so a rerun (a retry, a second delivery of the task) sends only what is
 * still missing, and a lease on the row keeps two runs from sending at the same moment.
 */
import type { PrismaClient } from "@prisma/client";

import { getEnv } from "../env.server.ts";
import type { JobDeps, ShopTask } from "../jobs/deps.server.ts";
import { RetryableStepError } from "../jobs/failures.ts";

import { postToChatWebhook } from "./chat-webhook.server.ts";
import { sendEmail, type EmailConfig } from "./email.server.ts";
import { notificationRecorded } from "./job-notifications.server.ts";

export const NOTIFICATION_QUEUE = "notification-send";
const SENDING_LEASE_MS = 60_000;
const DEFAULT_POLL_MS = 10_000;
/** The app's handle in shopify.app.toml: links open the app inside the merchant's admin. */
const APP_HANDLE = "photo-studio";

export interface NotificationTask extends ShopTask {
  notificationId: string;
}

export interface NotificationDeliveryOptions {
  /** The operator's email API; default from the environment (unset: no email). */
  email?: EmailConfig | null;
  /** How often this process looks for notifications to queue. */
  pollMs?: number;
}

/** The job's page in the merchant's admin. */
export function jobLink(shop: string, jobId: string) {
  const store = shop.replace(/\.myshopify\.com$/, "");
  return `https://admin.shopify.com/store/${store}/apps/${APP_HANDLE}/app/jobs/${jobId}`;
}

/** Queues a sending task for every notification not queued yet; answers how many it queued. */
export async function queueUnsentNotifications(
  deps: Pick<JobDeps, "db" | "queue">,
  take = 100,
): Promise<number> {
  const pending = await deps.db.notification.findMany({
    where: { queuedAt: null },
    orderBy: { createdAt: "asc" },
    take,
    select: { id: true, shop: true },
  });
  for (const notification of pending) {
    await deps.queue.enqueue<NotificationTask>(
      NOTIFICATION_QUEUE,
      { shop: notification.shop, notificationId: notification.id },
      { key: `notify:${notification.id}` },
    );
    await deps.db.notification.updateMany({
      where: { id: notification.id, shop: notification.shop },
      data: { queuedAt: new Date() },
    });
  }
  return pending.length;
}

/** Sends one notification to the shop's channels, each at most once. */
export async function sendNotification(
  db: PrismaClient,
  { shop, notificationId }: NotificationTask,
  email: EmailConfig | null,
  now: Date = new Date(),
) {
  const notification = await db.notification.findFirst({ where: { id: notificationId, shop } });
  if (!notification) return;
  const settings = await db.shopSettings.findUnique({
    where: { shop },
    select: { notifyEmail: true, notifyWebhookUrl: true },
  });
  const webhookUrl = notification.webhookSentAt ? null : (settings?.notifyWebhookUrl ?? null);
  const emailTo = notification.emailSentAt || !email ? null : (settings?.notifyEmail ?? null);
  if (!webhookUrl && !emailTo) return;

  const claimed = await db.notification.updateMany({
    where: {
      id: notificationId,
      shop,
      OR: [{ sendingUntil: null }, { sendingUntil: { lt: now } }],
    },
    data: { sendingUntil: new Date(now.getTime() + SENDING_LEASE_MS) },
  });
  if (claimed.count === 0) {
    throw new RetryableStepError({
      code: "notification_busy",
      message: "Another worker is sending this notification.",
      retryable: true,
    });
  }
  const text = `${notification.message} ${jobLink(shop, notification.jobId)}`;
  try {
    if (webhookUrl) {
      await postToChatWebhook(webhookUrl, text, {
        idempotencyKey: `photo-studio-notification-${notification.id}`,
      });
      await db.notification.updateMany({
        where: { id: notificationId, shop },
        data: { webhookSentAt: new Date() },
      });
    }
    if (emailTo && email) {
      await sendEmail(email, {
        to: emailTo,
        subject: `Photo Studio: ${notification.message.split(":")[0]}`,
        text,
        idempotencyKey: `photo-studio-notification-${notification.id}`,
      });
      await db.notification.updateMany({
        where: { id: notificationId, shop },
        data: { emailSentAt: new Date() },
      });
    }
  } finally {
    await db.notification.updateMany({
      where: { id: notificationId, shop },
      data: { sendingUntil: null },
    });
  }
}

/**
 * Registers the sending task on the queue and starts this process's look for notifications to
 * queue; answers a function that stops looking (closing the queue stops it too).
 */
export function startNotificationDelivery(
  deps: Pick<JobDeps, "db" | "queue">,
  options: NotificationDeliveryOptions = {},
) {
  const email = options.email === undefined ? (getEnv().email ?? null) : options.email;
  deps.queue.process<NotificationTask>(
    NOTIFICATION_QUEUE,
    ({ payload }) => sendNotification(deps.db, payload, email),
    {
      concurrency: 2,
      onFailed: ({ payload }, error) => {
        // The reason only: the destinations are the merchant's and stay out of logs.
        console.warn("[notifications] gave up sending a notification", {
          shop: payload.shop,
          notificationId: payload.notificationId,
          reason: error.message,
        });
      },
    },
  );
  // Notifications recorded in this process are queued at once; the look every few seconds
  // catches those recorded elsewhere (a merchant's action in the web process) or before a crash.
  let stopped = false;
  const drain = () => {
    if (stopped) return;
    queueUnsentNotifications(deps).catch((error: Error) => {
      // The queue closed (the process is stopping): look no more. Anything else is tried again
      // on the next look, and the rows stay unqueued until then.
      if (/closed/i.test(error.message)) stop();
    });
  };
  const timer = setInterval(drain, options.pollMs ?? DEFAULT_POLL_MS);
  timer.unref();
  notificationRecorded.on("recorded", drain);
  const stop = () => {
    stopped = true;
    clearInterval(timer);
    notificationRecorded.off("recorded", drain);
  };
  return stop;
}
