import { Session } from "@shopify/shopify-api";
import {
  API_KEY,
  API_SECRET_KEY,
  APP_URL,
  TEST_SHOP,
  TEST_SHOP_NAME,
  getJwt,
} from "@shopify/shopify-api/test-helpers";
import { beforeAll, describe, expect, it } from "vitest";

import db from "~/db.server";
import { createJob } from "~/models/job.server";
import { loader } from "~/routes/app.jobs.$jobId.progress";
import { sessionStorage } from "~/shopify.server";

import { callRoute } from "../support/shopify-requests";

const OTHER_SHOP = "other-shop.myshopify.com";

async function progressRequest(jobId: string, shopName: string) {
  const { token } = await getJwt(shopName, API_KEY, API_SECRET_KEY);
  return new Request(`${APP_URL}/app/jobs/${jobId}/progress`, {
    headers: { Authorization: `Bearer ${token}`, Origin: "https://admin.shopify.com" },
  });
}

let jobId: string;

beforeAll(async () => {
  for (const shop of [TEST_SHOP, OTHER_SHOP]) {
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
  const job = await createJob(db, TEST_SHOP, {
    recipe: { preset: "amazon" },
    images: [
      { productId: "gid://shopify/Product/1", mediaId: "gid://shopify/MediaImage/11" },
      { productId: "gid://shopify/Product/1", mediaId: "gid://shopify/MediaImage/12" },
    ],
  });
  jobId = job.id;
});

const params = (id: string) => ({ jobId: id });

describe("a job's progress route", () => {
  it("answers the job's shop with counts per state", async () => {
    const response = await callRoute(
      (args) => loader({ ...args, params: params(jobId) }),
      await progressRequest(jobId, TEST_SHOP_NAME),
    );

    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const body = await response.json();
    expect(body).toMatchObject({ jobId, total: 2, status: "queued" });
    expect(body.counts.queued).toBe(2);
  });

  it("answers another shop as if the job did not exist", async () => {
    const response = await callRoute(
      (args) => loader({ ...args, params: params(jobId) }),
      await progressRequest(jobId, OTHER_SHOP.replace(".myshopify.com", "")),
    );

    expect(response.status).toBe(404);
  });

  it("refuses a request without a session token", async () => {
    const response = await callRoute(
      (args) => loader({ ...args, params: params(jobId) }),
      new Request(`${APP_URL}/app/jobs/${jobId}/progress`),
    );

    expect([302, 401]).toContain(response.status);
  });
});
