import type { ResolverModule } from "../context.ts";

export const billingResolvers: ResolverModule = {};
