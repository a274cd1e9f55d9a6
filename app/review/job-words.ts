/**
 * How jobs and items read on the studio's pages: status labels and badge tones, the ETA as a
 * phrase, and whether a job is still moving (the job page polls only then). Client-safe.
 */
import type { JobProgress } from "~/jobs/progress.server";

export type BadgeTone =
  "info" | "success" | "warning" | "critical" | "attention" | "new" | undefined;

const JOB_STATUS: Record<string, { label: string; tone: BadgeTone }> = {
  queued: { label: "Queued", tone: "info" },
  processing: { label: "Processing", tone: "attention" },
  in_review: { label: "Ready for review", tone: "warning" },
  writing: { label: "Writing to store", tone: "attention" },
  completed: { label: "Completed", tone: "success" },
  failed: { label: "Failed", tone: "critical" },
  canceled: { label: "Canceled", tone: undefined },
};

const ITEM_STATUS: Record<string, { label: string; tone: BadgeTone }> = {
  queued: { label: "Queued", tone: "info" },
  processing: { label: "Processing", tone: "attention" },
  ready_for_review: { label: "Ready for review", tone: "warning" },
  approved: { label: "Approved", tone: "success" },
  writing: { label: "Writing", tone: "attention" },
  written: { label: "In store", tone: "success" },
  failed: { label: "Failed", tone: "critical" },
  canceled: { label: "Rejected", tone: undefined },
  restored: { label: "Original restored", tone: undefined },
};

function humanize(status: string) {
  const text = status.replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function jobStatusWords(status: string) {
  return JOB_STATUS[status] ?? { label: humanize(status), tone: undefined };
}

export function itemStatusWords(status: string) {
  return ITEM_STATUS[status] ?? { label: humanize(status), tone: undefined };
}

/** The item states shown as counts on the job page, in the order an image moves through them. */
export const COUNTED_STATES = [
  ["queued", "Queued"],
  ["processing", "Processing"],
  ["ready_for_review", "Ready for review"],
  ["approved", "Approved"],
  ["writing", "Writing"],
  ["written", "In store"],
  ["failed", "Failed"],
  ["canceled", "Rejected or canceled"],
  ["restored", "Restored"],
] as const;

/** Something will still change without the merchant: intake, generation or writing. */
export function isJobMoving(progress: Pick<JobProgress, "intake" | "counts">): boolean {
  if (progress.intake === "pending") return true;
  const { queued, processing, approved, writing } = progress.counts;
  return queued + processing + approved + writing > 0;
}

/** Share of the job that has settled (generated, written, failed or canceled), 0–100. */
export function percentSettled(progress: Pick<JobProgress, "total" | "counts">): number {
  if (progress.total === 0) return 0;
  const { queued, processing } = progress.counts;
  return Math.round(((progress.total - queued - processing) / progress.total) * 100);
}

export function etaWords(progress: Pick<JobProgress, "etaSeconds" | "counts" | "intake">): string {
  if (progress.intake === "pending") return "Finding the product images…";
  const remaining = progress.counts.queued + progress.counts.processing;
  if (remaining === 0) return "All images are generated.";
  const seconds = progress.etaSeconds;
  if (seconds === null) return "Estimating the time left…";
  if (seconds < 60) return "Less than a minute left.";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `About ${minutes} ${minutes === 1 ? "minute" : "minutes"} left.`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const hourWords = `${hours} ${hours === 1 ? "hour" : "hours"}`;
  return rest === 0
    ? `About ${hourWords} left.`
    : `About ${hourWords} ${rest} ${rest === 1 ? "minute" : "minutes"} left.`;
}

/** "Dec 2, 2026, 2:05 PM". The server renders in its own timezone and the browser in the
 * merchant's, so elements showing it set `suppressHydrationWarning`. */
export function formatDateTime(iso: string | Date, locale = "en-US", timeZone?: string) {
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    ...(timeZone ? { timeZone } : {}),
  }).format(typeof iso === "string" ? new Date(iso) : iso);
}

/** "Blue mug", or "Product 123" when the title is not known. */
export function productName(titles: Record<string, string>, productId: string): string {
  return titles[productId] ?? `Product ${productId.split("/").pop() ?? productId}`;
}
