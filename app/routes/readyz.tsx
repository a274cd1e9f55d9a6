import { jobRuntime } from "~/jobs/runtime.server";
import { readinessResponse } from "~/observability/readiness.server";

/**
 * Readiness for load balancers and orchestrators: public, 200 when the database, the queue and
 * the storage answer, 503 naming what does not. No secrets, hosts or URLs in the answer.
 */
export const loader = () => readinessResponse(jobRuntime());
