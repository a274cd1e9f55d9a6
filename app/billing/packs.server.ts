/**
 * Credit packs: one-time purchases whose credits never expire. Credits are granted only for a
 * purchase Shopify reports ACTIVE (approved and paid), read from the API rather than taken from a
 * webhook or a return URL, and once per purchase however often that is checked.
 */
import type { PrismaClient } from "@prisma/client";

import type { AdminClient } from "../shopify/admin-types.ts";

import { formatCredits } from "./costs.ts";
import { grantCredits } from "./ledger.server.ts";
import { packByName } from "./plans.server.ts";

const PURCHASES_QUERY = `#graphql
  query PhotoStudioCreditPacks {
    currentAppInstallation {
      oneTimePurchases(first: 50, reverse: true) {
        nodes {
          id
          name
          status
          test
        }
      }
    }
  }
`;

interface Purchase {
  id: string;
  name: string;
  status: string;
  test: boolean;
}

/**
 * Grants the credits of every paid pack not granted yet; returns the credits granted now. Test
 * purchases count only where test charges are what the app asks for (development stores).
 */
export async function grantPaidPacks(
  db: PrismaClient,
  admin: AdminClient,
  shop: string,
  { testCharges }: { testCharges: boolean },
): Promise<number> {
  const data = await admin.request<{
    currentAppInstallation: { oneTimePurchases: { nodes: Purchase[] } };
  }>(PURCHASES_QUERY);
  let granted = 0;
  for (const purchase of data.currentAppInstallation.oneTimePurchases.nodes) {
    const pack = packByName(purchase.name);
    if (!pack || purchase.status !== "ACTIVE" || (purchase.test && !testCharges)) continue;
    const result = await grantCredits(db, shop, {
      amount: pack.credits,
      source: `pack:${purchase.id}`,
      description: `${formatCredits(pack.credits)} bought (${pack.name}); they never expire`,
      idempotencyKey: `pack:${purchase.id}`,
      expiresAt: null,
    });
    if (!result.repeated) granted += pack.credits;
  }
  return granted;
}
