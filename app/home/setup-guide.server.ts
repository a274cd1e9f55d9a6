import type { PrismaClient } from "@prisma/client";

/**
 * The setup guide a new merchant sees on the home page: four steps from choosing products to
 * seeing a result on the store. Each step's completion is read from the shop's own data, so the
 * guide follows whatever path the merchant took (bulk action, products page, resource picker).
 */
export type SetupStepId = "pick-products" | "first-job" | "review" | "on-product";

export interface SetupStep {
  id: SetupStepId;
  title: string;
  description: string;
  done: boolean;
  action: { label: string; url: string };
}

export interface SetupGuide {
  dismissed: boolean;
  steps: SetupStep[];
  completed: number;
}

/**
 * The dismissal is recorded as the guide's own state change in JobTransition (entity
 * "setup-guide", one per shop): that table already records state changes of any kind without a
 * foreign key, is scoped and indexed by shop, and is erased with the shop's data on shop/redact.
 */
const GUIDE_ENTITY = "setup-guide";

export async function setupGuide(db: PrismaClient, shop: string): Promise<SetupGuide> {
  const [dismissal, latestJob, generated, approved, written] = await Promise.all([
    db.jobTransition.findFirst({
      where: { shop, entityType: GUIDE_ENTITY, entityId: shop, toStatus: "dismissed" },
      select: { id: true },
    }),
    db.job.findFirst({
      where: { shop },
      orderBy: { createdAt: "desc" },
      select: { id: true },
    }),
    db.variant.findFirst({
      where: { shop },
      orderBy: { createdAt: "desc" },
      select: { jobItem: { select: { jobId: true } } },
    }),
    db.variant.findFirst({ where: { shop, review: "approved" }, select: { id: true } }),
    db.writeBack.findFirst({ where: { shop, writtenAt: { not: null } }, select: { id: true } }),
  ]);

  const reviewJobId = generated?.jobItem.jobId;
  const steps: SetupStep[] = [
    {
      id: "pick-products",
      title: "Pick products",
      description: "Choose the products whose photos you want to improve.",
      done: latestJob !== null,
      action: { label: "Choose products", url: "/app/products" },
    },
    {
      id: "first-job",
      title: "Run a first job",
      description: "Pick a marketplace preset and see the credit cost before you start.",
      done: generated !== null,
      action: latestJob
        ? { label: "See progress", url: `/app/jobs/${latestJob.id}` }
        : { label: "Start a job", url: "/app/jobs/new" },
    },
    {
      id: "review",
      title: "Review and approve",
      description: "Compare each result with the original. Nothing reaches your store unapproved.",
      done: approved !== null,
      action: reviewJobId
        ? { label: "Review results", url: `/app/jobs/${reviewJobId}/review` }
        : { label: "See jobs", url: "/app/jobs" },
    },
    {
      id: "on-product",
      title: "See it on your product",
      description: "Approved images replace the originals, which are kept so you can restore them.",
      done: written !== null,
      action: { label: "Open history", url: "/app/history" },
    },
  ];
  return {
    dismissed: dismissal !== null,
    steps,
    completed: steps.filter((step) => step.done).length,
  };
}

/** Hides the guide for the shop; dismissing twice records nothing new. */
export async function dismissSetupGuide(db: PrismaClient, shop: string): Promise<void> {
  const existing = await db.jobTransition.findFirst({
    where: { shop, entityType: GUIDE_ENTITY, entityId: shop, toStatus: "dismissed" },
    select: { id: true },
  });
  if (existing) return;
  await db.jobTransition.create({
    data: {
      shop,
      entityType: GUIDE_ENTITY,
      entityId: shop,
      fromStatus: "shown",
      toStatus: "dismissed",
      reason: "Dismissed by the merchant on the home page",
    },
  });
}
