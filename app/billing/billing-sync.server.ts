/**
 * Brings the shop's billing up to date from Shopify: its plan, paid credit packs, this period's
 * included credits, and waiting jobs when something now pays for them. The plans page, the
 * merchant's return from Shopify's confirmation page and the billing webhooks all end here, so a
 * webhook that repeats, arrives late or out of order changes nothing the API does not confirm.
 */
import type { PrismaClient } from "@prisma/client";

import type { JobQueue } from "../jobs/queue/types.ts";
import { resumePausedJobs } from "../jobs/paused-jobs.server.ts";
import type { AdminClient } from "../shopify/admin-types.ts";

import { renewIncludedCredits } from "./ledger.server.ts";
import { grantPaidPacks } from "./packs.server.ts";
import { currentPlan, syncPlanFromShopify } from "./plan-state.server.ts";

const DEV_STORE_QUERY = `#graphql
  query PhotoStudioDevelopmentStore {
    shop {
      plan {
        partnerDevelopment
      }
    }
  }
`;

/** Development stores get test charges, which Shopify never bills; every other store real ones. */
export async function usesTestCharges(admin: AdminClient): Promise<boolean> {
  const data = await admin.request<{ shop: { plan: { partnerDevelopment: boolean } } }>(
    DEV_STORE_QUERY,
  );
  return data.shop.plan.partnerDevelopment;
}

export interface BillingSyncDeps {
  db: PrismaClient;
  queue: Pick<JobQueue, "enqueue">;
}

export async function refreshBilling(
  deps: BillingSyncDeps,
  admin: AdminClient,
  shop: string,
  { actor = "system" as "merchant" | "system", now = new Date() } = {},
) {
  const before = await currentPlan(deps.db, shop, now);
  const billing = await syncPlanFromShopify(deps.db, admin, shop, { actor });
  const packCredits = await grantPaidPacks(deps.db, admin, shop, {
    testCharges: await usesTestCharges(admin),
  });
  const { plan } = await renewIncludedCredits(deps.db, shop, now);
  const capRaised =
    Number(billing.cappedAmount ?? 0) > Number(before.billing?.cappedAmount ?? 0) &&
    before.billing?.subscriptionId === billing.subscriptionId;
  const resumed =
    packCredits > 0 || plan.id !== before.plan.id || capRaised
      ? await resumePausedJobs(deps, shop)
      : 0;
  return { billing, plan, packCredits, resumed };
}
