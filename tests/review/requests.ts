import { Session } from "@shopify/shopify-api";
import { API_KEY, API_SECRET_KEY, APP_URL, getJwt } from "@shopify/shopify-api/test-helpers";

import { sessionStorage } from "~/shopify.server";

/** An offline session per shop, as installation leaves it. */
export async function installShops(...shops: string[]) {
  for (const shop of shops) {
    await sessionStorage.storeSession(
      new Session({
        id: `offline_${shop}`,
        shop,
        state: "",
        isOnline: false,
        scope: "write_products,write_files",
        accessToken: "shpat_offline_token",
      }),
    );
  }
}

const shopName = (shop: string) => shop.replace(".myshopify.com", "");

/** A fetch from the embedded page: App Bridge adds a fresh session token to each. */
export async function adminGet(path: string, shop: string) {
  const { token } = await getJwt(shopName(shop), API_KEY, API_SECRET_KEY);
  return new Request(new URL(path, APP_URL), {
    headers: { Authorization: `Bearer ${token}`, Origin: "https://admin.shopify.com" },
  });
}

export async function adminPost(
  path: string,
  shop: string,
  fields: Array<[string, string | Blob]>,
) {
  const { token } = await getJwt(shopName(shop), API_KEY, API_SECRET_KEY);
  const body = new FormData();
  for (const [name, value] of fields) body.append(name, value);
  return new Request(new URL(path, APP_URL), {
    method: "POST",
    body,
    headers: { Authorization: `Bearer ${token}`, Origin: "https://admin.shopify.com" },
  });
}
