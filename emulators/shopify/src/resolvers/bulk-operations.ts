import type { ResolverModule } from "../context.ts";

export const bulkOperationResolvers: ResolverModule = {};
