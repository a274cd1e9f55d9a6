import { Session } from "@shopify/shopify-api";
import {
  API_KEY,
  API_SECRET_KEY,
  APP_URL,
  TEST_SHOP,
  TEST_SHOP_NAME,
  getJwt,
} from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { holdCredits } from "~/billing/ledger.server";
import db from "~/db.server";
import { createSavedRecipe } from "~/recipes/saved-recipes.server";
import * as jobRoute from "~/routes/api.extensions.jobs";
import * as jobStatusRoute from "~/routes/api.extensions.jobs.$jobId";
import * as optionsRoute from "~/routes/api.extensions.options";
import * as productStatusRoute from "~/routes/api.extensions.product-status";
import * as restoreRoute from "~/routes/api.extensions.restore";
import { sessionStorage } from "~/shopify.server";

import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";
import { callRoute } from "../support/shopify-requests";

/** Where admin UI extensions run; their requests to the app are cross-origin from there. */
const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";
const OTHER_SHOP_NAME = "other-shop";
const OTHER_SHOP = `${OTHER_SHOP_NAME}.myshopify.com`;

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let shopRecord: Awaited<ReturnType<typeof harness.addShop>>;
let productIds: string[];
let titles: string[];

async function token(shopName = TEST_SHOP_NAME) {
  return (await getJwt(shopName, API_KEY, API_SECRET_KEY)).token;
}

async function extensionRequest(
  path: string,
  {
    method = "GET",
    body,
    bearer,
  }: { method?: string; body?: unknown; bearer?: string | null } = {},
) {
  const headers: Record<string, string> = { Origin: EXTENSION_ORIGIN };
  const sessionToken = bearer === undefined ? await token() : bearer;
  if (sessionToken) headers.Authorization = `Bearer ${sessionToken}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return new Request(new URL(path, APP_URL), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const withJobId = (jobId: string) => (args: Parameters<typeof jobStatusRoute.loader>[0]) =>
  jobStatusRoute.loader({ ...args, params: { jobId } });

function startJob(ids: string[], choiceId = "preset:amazon", bearer?: string) {
  return extensionRequest("/api/extensions/jobs", {
    method: "POST",
    body: { productIds: ids, choiceId },
    bearer,
  }).then((request) => callRoute(jobRoute.action, request));
}

function expectCors(response: Response) {
  expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
  expect(response.headers.get("Access-Control-Allow-Headers")).toContain("Authorization");
}

beforeAll(async () => {
  harness = await startTestDevStore({ products: 5 });
  shopRecord = await harness.addShop(TEST_SHOP);
  // The merchant opened the app once: token exchange stored the shop's offline session.
  expect((await openAppAsMerchant(TEST_SHOP)).status).toBe(200);
  await sessionStorage.storeSession(
    new Session({
      id: `offline_${OTHER_SHOP}`,
      shop: OTHER_SHOP,
      state: "",
      isOnline: false,
      scope: "write_products,write_files",
      accessToken: "shpat_other_shop",
    }),
  );
  productIds = shopRecord.products.map((product) => `gid://shopify/Product/${product.id}`);
  titles = shopRecord.products.map((product) => product.title);
});

afterAll(async () => {
  await harness.close();
});

beforeEach(async () => {
  await db.job.deleteMany();
  await db.savedRecipe.deleteMany();
  await db.creditLedgerEntry.deleteMany();
  await db.creditAccount.deleteMany();
});

describe("authenticating admin extension requests", () => {
  it("answers the CORS preflight without a token, allowing the Authorization header", async () => {
    const request = await extensionRequest("/api/extensions/jobs", {
      method: "OPTIONS",
      bearer: null,
    });
    // Remix routes an OPTIONS request to the loader, whatever the route's action does.
    const response = await callRoute(jobRoute.loader, request);

    expect(response.status).toBe(204);
    expectCors(response);
  });

  it("refuses a request whose session token was signed with another secret", async () => {
    const forged = (await getJwt(TEST_SHOP_NAME, API_KEY, "another-apps-secret")).token;
    const response = await callRoute(
      optionsRoute.loader,
      await extensionRequest("/api/extensions/options", { bearer: forged }),
    );

    expect(response.status).toBe(401);
    expectCors(response);
  });

  it("refuses a session token whose payload was changed to name another shop", async () => {
    const [header, payload, signature] = (await token()).split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    claims.dest = `https://${OTHER_SHOP}`;
    const tampered = [
      header,
      Buffer.from(JSON.stringify(claims)).toString("base64url"),
      signature,
    ].join(".");

    const response = await callRoute(
      jobRoute.action,
      await extensionRequest("/api/extensions/jobs", {
        method: "POST",
        body: { productIds: [productIds[0]], choiceId: "preset:amazon" },
        bearer: tampered,
      }),
    );

    expect(response.status).toBe(401);
    expect(await db.job.count()).toBe(0);
  });

  it("refuses a request without a session token", async () => {
    const response = await callRoute(
      optionsRoute.loader,
      await extensionRequest("/api/extensions/options", { bearer: null }),
    );
    // Without a token the request looks like a visit from outside the admin: sent to log in.
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/auth/login");
  });

  it("answers another shop's valid token about a job exactly as about a missing one", async () => {
    const started = await (await startJob([productIds[0]!])).json();

    const foreign = await callRoute(
      withJobId(started.jobId),
      await extensionRequest(`/api/extensions/jobs/${started.jobId}`, {
        bearer: await token(OTHER_SHOP_NAME),
      }),
    );
    const missing = await callRoute(
      withJobId("no-such-job"),
      await extensionRequest("/api/extensions/jobs/no-such-job", {
        bearer: await token(OTHER_SHOP_NAME),
      }),
    );

    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual(await missing.json());
    expectCors(foreign);
  });
});

describe("the options the extensions offer", () => {
  it("lists the shop's saved recipes first, then the presets, each priced, with the credits left", async () => {
    await createSavedRecipe(db, TEST_SHOP, {
      name: "Etsy lifestyle 2x",
      recipe: { preset: "etsy", upscale: 2 },
      mode: "add",
    });
    await createSavedRecipe(db, OTHER_SHOP, {
      name: "Someone else's",
      recipe: { preset: "amazon" },
    });

    const response = await callRoute(
      optionsRoute.loader,
      await extensionRequest("/api/extensions/options"),
    );

    expect(response.status).toBe(200);
    expectCors(response);
    const body = await response.json();
    expect(body.choices[0]).toMatchObject({ kind: "saved", name: "Etsy lifestyle 2x" });
    expect(body.choices[0].creditsPerImage).toBeGreaterThanOrEqual(1);
    expect(body.choices.map((c: { name: string }) => c.name)).not.toContain("Someone else's");
    expect(body.choices.filter((c: { kind: string }) => c.kind === "preset")).toHaveLength(7);
    expect(body.choices).toContainEqual(
      expect.objectContaining({ id: "preset:amazon", kind: "preset", creditsPerImage: 1 }),
    );
    expect(body.credits).toEqual({ available: 25, planName: "Free" });
  });
});

describe("starting a job from an extension", () => {
  it("starts a job for the selected products and reports its progress", async () => {
    const response = await startJob(productIds.slice(0, 3));

    expect(response.status).toBe(201);
    expectCors(response);
    const started = await response.json();
    expect(started).toMatchObject({ imageCount: 3, credits: 3 });
    const job = await db.job.findFirstOrThrow({ where: { id: started.jobId, shop: TEST_SHOP } });
    expect(JSON.parse(job.selection)).toMatchObject({ productIds: productIds.slice(0, 3) });
    expect(JSON.parse(job.recipe)).toMatchObject({ preset: "amazon" });

    const progress = await callRoute(
      withJobId(started.jobId),
      await extensionRequest(`/api/extensions/jobs/${started.jobId}`),
    );
    expect(progress.status).toBe(200);
    expect(await progress.json()).toMatchObject({ jobId: started.jobId, intake: "pending" });
  });

  it("runs a saved recipe with its own write mode", async () => {
    const saved = await createSavedRecipe(db, TEST_SHOP, {
      name: "Add an Etsy photo",
      recipe: { preset: "etsy" },
      mode: "add",
    });
    const response = await startJob([productIds[0]!], `saved:${saved.id}`);

    expect(response.status).toBe(201);
    const job = await db.job.findFirstOrThrow({ where: { shop: TEST_SHOP } });
    expect(job.mode).toBe("add");
    expect(JSON.parse(job.recipe)).toMatchObject({ preset: "etsy" });
  });

  it("refuses products another job is still working on, naming them and the job", async () => {
    const first = await (await startJob(productIds.slice(0, 2))).json();

    const response = await startJob(productIds.slice(1, 3));

    expect(response.status).toBe(409);
    expectCors(response);
    const { error } = await response.json();
    expect(error.code).toBe("job_running");
    expect(error.jobId).toBe(first.jobId);
    expect(error.productIds).toEqual([productIds[1]]);
    expect(error.message).toBe(
      `Photo Studio is still working on “${titles[1]}”. Finish or cancel that job first.`,
    );
    expect(await db.job.count()).toBe(1);
  });

  it("lets a product into a new job once the earlier job was canceled", async () => {
    const first = await (await startJob([productIds[0]!])).json();
    await db.job.update({ where: { id: first.jobId }, data: { canceledAt: new Date() } });

    expect((await startJob([productIds[0]!])).status).toBe(201);
  });

  it("refuses products without images, naming them", async () => {
    const bare = shopRecord.products[4]!;
    const mediaIds = bare.mediaIds;
    bare.mediaIds = [];
    try {
      const response = await startJob(productIds);

      expect(response.status).toBe(422);
      const { error } = await response.json();
      expect(error).toMatchObject({ code: "no_images", productIds: [productIds[4]] });
      expect(error.message).toBe(
        `“${titles[4]}” has no images to enhance. Add images or leave it out of the selection.`,
      );
      expect(await db.job.count()).toBe(0);
    } finally {
      bare.mediaIds = mediaIds;
    }
  });

  it("refuses a job the credits left cannot pay, saying how many it needs", async () => {
    await holdCredits(db, TEST_SHOP, {
      jobId: "earlier-job",
      amount: 23,
      idempotencyKey: "test-hold",
      description: "An earlier job",
    });

    const response = await startJob(productIds.slice(0, 4));

    expect(response.status).toBe(402);
    const { error } = await response.json();
    expect(error).toMatchObject({ code: "insufficient_credits", needed: 4, available: 2 });
    expect(error.message).toBe(
      "This needs 4 credits for 4 images and you have 2 credits left. Buy more credits in Photo Studio or select fewer products.",
    );
    expect(await db.job.count()).toBe(0);
  });

  it("answers 422 with field errors for a request that is not a selection", async () => {
    const response = await startJob(["not-a-product"], "");

    expect(response.status).toBe(422);
    expectCors(response);
    const { error } = await response.json();
    expect(error.code).toBe("invalid");
    expect(Object.keys(error.fieldErrors)).toEqual(
      expect.arrayContaining(["productIds", "choiceId"]),
    );
  });

  it("answers a recipe id that is not the shop's like a missing one", async () => {
    const theirs = await createSavedRecipe(db, OTHER_SHOP, {
      name: "Theirs",
      recipe: { preset: "ebay" },
    });
    const response = await startJob([productIds[0]!], `saved:${theirs.id}`);

    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe("not_found");
  });
});

describe("restoring a product's original images", () => {
  it("says there is nothing to restore on a product Photo Studio never changed", async () => {
    const response = await callRoute(
      restoreRoute.action,
      await extensionRequest("/api/extensions/restore", {
        method: "POST",
        body: { productId: productIds[2] },
      }),
    );

    expect(response.status).toBe(404);
    expectCors(response);
    expect((await response.json()).error.message).toBe(
      "Photo Studio has not changed any images of this product, so there is nothing to restore.",
    );
  });

  it("queues the restore of every image written to the product", async () => {
    const started = await (await startJob([productIds[2]!])).json();
    await db.jobItem.create({
      data: {
        shop: TEST_SHOP,
        jobId: started.jobId,
        productId: productIds[2]!,
        mediaId: "gid://shopify/MediaImage/1",
        status: "written",
      },
    });

    const response = await callRoute(
      restoreRoute.action,
      await extensionRequest("/api/extensions/restore", {
        method: "POST",
        body: { productId: productIds[2] },
      }),
    );

    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ restoring: 1 });
  });
});

describe("a product's Photo Studio status", () => {
  const statusOf = async (productId: string, shopName = TEST_SHOP_NAME) =>
    callRoute(
      productStatusRoute.loader,
      await extensionRequest(
        `/api/extensions/product-status?productId=${encodeURIComponent(productId)}`,
        { bearer: await token(shopName) },
      ),
    );

  it("names the latest job and counts results awaiting review and images written", async () => {
    const started = await (await startJob([productIds[1]!])).json();
    for (const [index, status] of ["ready_for_review", "ready_for_review", "written"].entries()) {
      await db.jobItem.create({
        data: {
          shop: TEST_SHOP,
          jobId: started.jobId,
          productId: productIds[1]!,
          mediaId: `gid://shopify/MediaImage/${index}`,
          status,
        },
      });
    }

    const response = await statusOf(productIds[1]!);

    expect(response.status).toBe(200);
    expectCors(response);
    expect(await response.json()).toMatchObject({
      lastJob: { id: started.jobId, status: "queued" },
      awaitingReview: 2,
      written: 1,
    });
    // Another shop's token reads the same product id as untouched.
    expect(await (await statusOf(productIds[1]!, OTHER_SHOP_NAME)).json()).toEqual({
      lastJob: null,
      awaitingReview: 0,
      written: 0,
    });
  });

  it("counts a job whose intake has not run yet as the latest", async () => {
    const started = await (await startJob([productIds[3]!])).json();

    expect(await (await statusOf(productIds[3]!)).json()).toMatchObject({
      lastJob: { id: started.jobId },
      awaitingReview: 0,
    });
  });
});
