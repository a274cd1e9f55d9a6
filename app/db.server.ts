import type { PrismaClient } from "@prisma/client";

import { getEnv } from "./env.server";
import { createPrismaClient } from "./db/client.server";

declare global {
  // Remix's dev server re-imports modules on every change; one client per process, not per edit.
  var photoStudioPrisma: PrismaClient | undefined;
}

const prisma: PrismaClient = globalThis.photoStudioPrisma ?? createPrismaClient(getEnv().database);

if (process.env.NODE_ENV !== "production") globalThis.photoStudioPrisma = prisma;

export default prisma;
