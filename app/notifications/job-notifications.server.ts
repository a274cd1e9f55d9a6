/**
 * Telling the merchant about a job they are not watching: one that ran long (many images, or
 * minutes) or that automation started on its own. When such a job finishes, fails or waits for
 * review, one `Notification` row records it; the app shows it as a toast the next time it is
 * open (then marks it seen), and the sending task (delivery.server.ts) emails it and posts it
 * to the shop's chat webhook.
 */
import { EventEmitter } from "node:events";

import type { PrismaClient } from "@prisma/client";

/** Tells this process's notification sender (delivery.server.ts) that a row was recorded. */
export const notificationRecorded = new EventEmitter();
notificationRecorded.setMaxListeners(50);

/** A job this big or this slow is one the merchant has likely stopped watching. */
export const LONG_JOB = { images: 50, durationMs: 2 * 60_000 } as const;

export const NOTIFICATION_KINDS = ["completed", "failed", "ready_for_review"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Job statuses that may deserve a notification; every other one is answered without a query. */
const SETTLED_STATUSES = new Set(["completed", "failed", "in_review"]);

interface JobOutcome {
  status: string;
  autoApprove: boolean;
  itemCount: number;
  doneCount: number;
  writtenCount: number;
  failedCount: number;
  intakeError: string | null;
}

function kindOf(job: JobOutcome): NotificationKind | null {
  if (job.status === "completed") return "completed";
  if (job.status === "failed") return "failed";
  // An auto-approved job passes through review on its way to the store: nothing to review.
  if (job.status === "in_review" && !job.autoApprove) return "ready_for_review";
  return null;
}

const images = (n: number) => `${n} image${n === 1 ? "" : "s"}`;

function messageFor(kind: NotificationKind, job: JobOutcome, automatic: boolean): string {
  const what = automatic ? "Photo Studio's automatic job" : "Your Photo Studio job";
  if (kind === "completed") {
    const failed = job.failedCount > 0 ? `; ${images(job.failedCount)} could not be processed` : "";
    return `${what} is done: ${images(job.writtenCount)} written to your store${failed}.`;
  }
  if (kind === "ready_for_review") {
    return `${what} has ${images(job.doneCount)} ready for your review.`;
  }
  if (job.intakeError) return `${what} stopped: ${job.intakeError}`;
  return `${what} failed: none of its ${images(job.itemCount)} could be processed.`;
}

function isUniqueViolation(error: unknown) {
  // By code, not class: the PostgreSQL build's client has its own error classes.
  return (error as { code?: unknown } | null)?.code === "P2002";
}

/**
 * Records the notification a job's new status deserves, if any; once per job and kind, however
 * often it is called. Called where a job's status is recounted (`transition`) and where intake
 * fails, with the status just reached. Never throws: a notification must not fail a job's step.
 */
export async function noteJobOutcome(
  db: PrismaClient,
  shop: string,
  jobId: string,
  status: string,
  now: Date = new Date(),
) {
  if (!SETTLED_STATUSES.has(status)) return null;
  try {
    const job = await db.job.findFirst({
      where: { id: jobId, shop },
      select: {
        status: true,
        autoApprove: true,
        itemCount: true,
        doneCount: true,
        writtenCount: true,
        failedCount: true,
        intakeError: true,
        createdAt: true,
      },
    });
    if (!job) return null;
    const kind = kindOf(job);
    if (!kind) return null;
    const existing = await db.notification.findFirst({
      where: { shop, jobId, kind },
      select: { id: true },
    });
    if (existing) return null;
    const automatic =
      (await db.autoProcessedMedia.findFirst({ where: { shop, jobId }, select: { id: true } })) !==
      null;
    const long =
      job.itemCount > LONG_JOB.images ||
      now.getTime() - job.createdAt.getTime() > LONG_JOB.durationMs;
    if (!automatic && !long) return null;
    const notification = await db.notification.create({
      data: { shop, jobId, kind, message: messageFor(kind, job, automatic), createdAt: now },
    });
    notificationRecorded.emit("recorded", { shop, id: notification.id });
    return notification;
  } catch (error) {
    if (isUniqueViolation(error)) return null; // recorded by a concurrent call
    console.error("[notifications] could not record a job notification", {
      shop,
      jobId,
      error: (error as Error).message,
    });
    return null;
  }
}

export interface UnseenNotification {
  id: string;
  jobId: string;
  kind: string;
  message: string;
  createdAt: string;
}

/** What the app shows as toasts when it opens: the shop's unseen notifications, oldest first. */
export async function unseenNotifications(
  db: PrismaClient,
  shop: string,
  take = 5,
): Promise<UnseenNotification[]> {
  const rows = await db.notification.findMany({
    where: { shop, seenAt: null },
    orderBy: { createdAt: "asc" },
    take,
    select: { id: true, jobId: true, kind: true, message: true, createdAt: true },
  });
  return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() }));
}

/** The merchant has seen these (another shop's ids change nothing). */
export async function markNotificationsSeen(
  db: PrismaClient,
  shop: string,
  ids: string[],
  now: Date = new Date(),
) {
  if (ids.length === 0) return 0;
  const { count } = await db.notification.updateMany({
    where: { shop, id: { in: ids.slice(0, 100) }, seenAt: null },
    data: { seenAt: now },
  });
  return count;
}
