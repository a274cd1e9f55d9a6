import type { DevStoreRoute } from "./server.ts";

export const uploadRoutes: DevStoreRoute = async () => null;
