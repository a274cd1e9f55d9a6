import type { ResolverModule } from "../context.ts";

export const fileResolvers: ResolverModule = {};
