import type { DevStoreRoute } from "./server.ts";

export const controlRoutes: DevStoreRoute = async () => null;
