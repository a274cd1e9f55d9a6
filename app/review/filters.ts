/** The review page's status filter, shared by its loader and its page (client-safe). */
export const REVIEW_FILTERS = [
  "all",
  "ready_for_review",
  "approved",
  "written",
  "failed",
  "canceled",
] as const;

export type ReviewFilter = (typeof REVIEW_FILTERS)[number];

export function filterOf(value: string | null): ReviewFilter {
  return (REVIEW_FILTERS as readonly string[]).includes(value ?? "")
    ? (value as ReviewFilter)
    : "all";
}
