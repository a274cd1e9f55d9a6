import type { DevStoreRoute } from "./server.ts";

export const billingRoutes: DevStoreRoute = async () => null;
