import type { DevStoreRoute } from "./server.ts";

export const adminShellRoutes: DevStoreRoute = async () => null;
