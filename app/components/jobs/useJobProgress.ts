import { useFetcher } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";

import type { JobProgress } from "~/jobs/progress.server";
import { isJobMoving } from "~/review/job-words";

/**
 * A job's progress, kept fresh by polling the progress route while something still moves. A
 * fetcher (not an EventSource) because App Bridge adds the session token to fetches only. Polling
 * pauses while the tab is hidden and catches up as soon as it is shown again.
 */
export function useJobProgress(initial: JobProgress, intervalMs = 2000): JobProgress {
  const fetcher = useFetcher<JobProgress>({ key: `job-progress-${initial.jobId}` });
  const [latest, setLatest] = useState(initial);

  // The loader's data is newer after an action revalidated it; a poll's after it answered.
  useEffect(() => setLatest(initial), [initial]);
  useEffect(() => {
    if (fetcher.data && fetcher.data.jobId === initial.jobId) setLatest(fetcher.data);
  }, [fetcher.data, initial.jobId]);

  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const moving = isJobMoving(latest);
  const url = `/app/jobs/${encodeURIComponent(initial.jobId)}/progress`;

  useEffect(() => {
    if (!moving) return;
    const poll = () => {
      if (document.visibilityState !== "visible") return;
      if (fetcherRef.current.state !== "idle") return;
      fetcherRef.current.load(url);
    };
    const timer = window.setInterval(poll, intervalMs);
    const onVisibility = () => poll();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [moving, url, intervalMs]);

  return latest;
}
