import type { LoaderFunctionArgs } from "@remix-run/node";

import { getEnv } from "~/env.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { metricsResponse } from "~/observability/metrics.server";

/**
 * Prometheus metrics for the operator: `Authorization: Bearer <METRICS_TOKEN>`; without a
 * configured token the route does not exist (404).
 */
export const loader = ({ request }: LoaderFunctionArgs) => {
  // The runtime registers the queue whose depth each scrape counts.
  jobRuntime();
  return metricsResponse(request, getEnv().metricsToken);
};
