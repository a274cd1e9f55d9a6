import { Badge } from "@shopify/polaris";

import { itemStatusWords, jobStatusWords } from "~/review/job-words";

export function JobStatusBadge({ status }: { status: string }) {
  const { label, tone } = jobStatusWords(status);
  return <Badge {...(tone ? { tone } : {})}>{label}</Badge>;
}

export function ItemStatusBadge({ status }: { status: string }) {
  const { label, tone } = itemStatusWords(status);
  return <Badge {...(tone ? { tone } : {})}>{label}</Badge>;
}
