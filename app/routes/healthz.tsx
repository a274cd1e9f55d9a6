import { livenessResponse } from "~/observability/readiness.server";

/**
 * Liveness for orchestrators: public, answers while the process runs, asks nothing of the
 * database or anything else (app/observability/readiness.server.ts says why).
 */
export const loader = () => livenessResponse();
