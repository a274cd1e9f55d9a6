import type { DevStoreRoute } from "./server.ts";

export const bulkResultRoutes: DevStoreRoute = async () => null;
