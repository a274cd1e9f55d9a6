import type { AdminApiContext } from "@shopify/shopify-app-remix/server";

/** What the home page says about the store it is connected to. */
export interface ShopOverview {
  name: string;
  domain: string;
  plan: string;
  isDevelopmentStore: boolean;
  productCount: number;
  productCountIsExact: boolean;
}

export class AdminResponseError extends Error {
  override name = "AdminResponseError";
}

const SHOP_OVERVIEW_QUERY = `#graphql
  query PhotoStudioShopOverview {
    shop {
      name
      myshopifyDomain
      plan {
        publicDisplayName
        partnerDevelopment
      }
    }
    productsCount(limit: null) {
      count
      precision
    }
  }
`;

interface ShopOverviewResponse {
  data?: {
    shop?: {
      name: string;
      myshopifyDomain: string;
      plan?: { publicDisplayName: string; partnerDevelopment: boolean } | null;
    } | null;
    productsCount?: { count: number; precision: "EXACT" | "AT_LEAST" } | null;
  };
}

export async function getShopOverview(graphql: AdminApiContext["graphql"]): Promise<ShopOverview> {
  const response = await graphql(SHOP_OVERVIEW_QUERY);
  const { data } = (await response.json()) as ShopOverviewResponse;
  const shop = data?.shop;
  if (!shop) throw new AdminResponseError("Shopify returned no shop for PhotoStudioShopOverview");
  return {
    name: shop.name,
    domain: shop.myshopifyDomain,
    plan: shop.plan?.publicDisplayName ?? "Unknown",
    isDevelopmentStore: shop.plan?.partnerDevelopment ?? false,
    productCount: data?.productsCount?.count ?? 0,
    productCountIsExact: data?.productsCount?.precision !== "AT_LEAST",
  };
}
