import {
  API_KEY,
  API_SECRET_KEY,
  APP_URL,
  TEST_SHOP,
  TEST_SHOP_NAME,
  getJwt,
} from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import db from "~/db.server";
import { QUEUES } from "~/jobs/deps.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { createSavedRecipe } from "~/recipes/saved-recipes.server";
import { action, loader } from "~/routes/app.jobs.new";

import { adminData } from "../catalog/support";
import { openAppAsMerchant, startTestDevStore } from "../support/dev-store";
import { callRoute } from "../support/shopify-requests";

const SEEDED = 30;
const OTHER_SHOP = "other-shop.myshopify.com";
let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let productIds: string[] = [];

async function bearer() {
  const { token } = await getJwt(TEST_SHOP_NAME, API_KEY, API_SECRET_KEY);
  return { Authorization: `Bearer ${token}`, Origin: "https://admin.shopify.com" };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

async function load(search: string): Promise<{ status: number; body: Body }> {
  const request = new Request(`${APP_URL}/app/jobs/new${search}`, { headers: await bearer() });
  const response = await callRoute(loader, request);
  return { status: response.status, body: await response.json() };
}

async function submit(fields: Record<string, string>) {
  const request = new Request(`${APP_URL}/app/jobs/new`, {
    method: "POST",
    headers: await bearer(),
    body: new URLSearchParams(fields),
  });
  return callRoute(action, request);
}

/** The form as the page submits it: Shopify preset, framing only (free). */
const FORM = {
  intent: "start",
  preset: "shopify",
  backgroundKind: "preset",
  backgroundColor: "#ffffff",
  sceneTemplate: "",
  scenePrompt: "",
  upscale: "none",
  altText: "false",
  mode: "replace",
  position: "after-original",
  autoApprove: "false",
};

beforeAll(async () => {
  harness = await startTestDevStore({ products: SEEDED });
  await harness.addShop(TEST_SHOP);
  expect((await openAppAsMerchant(TEST_SHOP)).status).toBe(200);
  const data = await adminData(`#graphql
    query PhotoStudioTestNewJobIds { products(first: 50, sortKey: ID) { nodes { id } } }`);
  productIds = (data.products.nodes as Array<{ id: string }>).map((node) => node.id);
  expect(productIds).toHaveLength(SEEDED);
});

afterAll(async () => {
  await harness?.close();
});

beforeEach(async () => {
  await db.savedRecipe.deleteMany();
  await db.job.deleteMany();
  await db.queueTask.deleteMany();
});

describe("the new-job page's loader", () => {
  it("shows the selected products, their images, the shop's defaults, recipes and credits", async () => {
    await db.shopSettings.create({
      data: { shop: TEST_SHOP, defaultPreset: "etsy", writeMode: "add", altText: false },
    });
    await createSavedRecipe(db, TEST_SHOP, {
      name: "My Amazon recipe",
      recipe: { preset: "amazon" },
    });
    try {
      const ids = productIds.slice(0, 3).join(",");
      const { status, body } = await load(`?ids=${encodeURIComponent(ids)}`);
      expect(status).toBe(200);
      expect(body.selection).toEqual({ ids, query: null });
      expect(body.summary).toMatchObject({ productCount: 3, imageCount: 3, exact: true });
      expect(body.summary.products.map((product: { id: string }) => product.id)).toEqual(
        productIds.slice(0, 3),
      );
      expect(body.defaults).toMatchObject({ preset: "etsy", mode: "add", altText: false });
      expect(body.savedRecipes).toEqual([
        expect.objectContaining({ name: "My Amazon recipe", summary: "Amazon · white background" }),
      ]);
      // The Free plan's included credits for the month.
      expect(body.credits).toEqual({ available: 25, planName: "Free" });
      expect(body.presets.map((preset: { id: string }) => preset.id)).toContain("amazon");
      expect(
        body.presets.find((preset: { id: string }) => preset.id === "amazon").backgroundLocked,
      ).toMatch(/pure white/);
      expect(
        body.presets.find((preset: { id: string }) => preset.id === "shopify").backgroundLocked,
      ).toBeNull();
      expect(body.scenes.length).toBeGreaterThan(0);
      for (const scene of body.scenes) expect(scene.preview).toMatch(/^data:image\/webp;base64,/);
    } finally {
      await db.shopSettings.deleteMany();
    }
  });

  it("estimates the images of a search from the products it read", async () => {
    const { body } = await load("?query=");
    expect(body.selection).toEqual({ ids: null, query: "" });
    expect(body.summary).toMatchObject({ productCount: SEEDED, imageCount: SEEDED, exact: false });
  });

  it("asks for a selection when there is none", async () => {
    const { status, body } = await load("");
    expect(status).toBe(200);
    expect(body.selection).toBeNull();
  });

  it("refuses ids that are not products", async () => {
    const { status, body } = await load("?ids=gid%3A%2F%2Fshopify%2FOrder%2F1");
    expect(status).toBe(400);
    expect(body.message).toMatch(/not products of your store/);
  });

  it("fills the form from a saved recipe, and answers another shop's recipe with 404", async () => {
    const mine = await createSavedRecipe(db, TEST_SHOP, {
      name: "Mine",
      recipe: { preset: "ebay" },
    });
    const theirs = await createSavedRecipe(db, OTHER_SHOP, {
      name: "Theirs",
      recipe: { preset: "ebay" },
    });
    const ids = encodeURIComponent(productIds[0]!);
    expect((await load(`?ids=${ids}&recipe=${mine.id}`)).body.chosenRecipeId).toBe(mine.id);
    const foreign = await load(`?ids=${ids}&recipe=${theirs.id}`);
    const missing = await load(`?ids=${ids}&recipe=no-such-recipe`);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
  });
});

describe("the new-job page's action", () => {
  it("starts the job and opens its page", async () => {
    const ids = productIds.slice(0, 2).join(",");
    const response = await submit({
      ...FORM,
      ids,
      mode: "add",
      position: "first",
      autoApprove: "true",
      altText: "true",
    });
    expect(response.status).toBe(302);
    const job = await db.job.findFirstOrThrow({ where: { shop: TEST_SHOP } });
    expect(response.headers.get("Location")).toBe(`/app/jobs/${job.id}`);
    expect(job).toMatchObject({ mode: "add", autoApprove: true });
    expect(JSON.parse(job.recipe)).toMatchObject({ preset: "shopify", altText: true });
    expect(JSON.parse(job.selection)).toMatchObject({
      productIds: productIds.slice(0, 2),
      position: "first",
    });
    expect(await jobRuntime().queue.inspect(QUEUES.intake, `intake:${job.id}`)).not.toBeNull();
  });

  it("answers bad input with 422 and errors keyed by field, starting nothing", async () => {
    const ids = productIds[0]!;
    const cases: Array<[Record<string, string>, Record<string, unknown>]> = [
      [
        { backgroundKind: "color", backgroundColor: "blue" },
        { backgroundColor: expect.any(String) },
      ],
      [
        { preset: "amazon", backgroundKind: "scene", sceneTemplate: "warm-wood" },
        { background: expect.stringMatching(/Amazon requires a pure white background/) },
      ],
      [{ upscale: "8" }, { upscale: expect.any(String) }],
      [{ ids: "not-a-product" }, { selection: expect.stringMatching(/not products/) }],
      [{ ids: "" }, { selection: expect.stringMatching(/Select the products/) }],
    ];
    for (const [change, errors] of cases) {
      const response = await submit({ ...FORM, ids, ...change });
      expect(response.status).toBe(422);
      expect((await response.json()).fieldErrors).toEqual(errors);
    }
    expect(await db.job.count()).toBe(0);
  });

  it("refuses a job the credits cannot pay, saying what to do", async () => {
    // 30 images of background removal: 30 credits, and the Free plan has 25.
    const response = await submit({ ...FORM, preset: "amazon", ids: productIds.join(",") });
    expect(response.status).toBe(422);
    const { fieldErrors } = await response.json();
    expect(fieldErrors.credits).toMatch(/needs 30 credits and you have 25 credits/);
    expect(fieldErrors.credits).toMatch(/Select fewer products/);
    expect(await db.job.count()).toBe(0);
  });

  it("saves the form as a recipe, and refuses a name already taken", async () => {
    const fields = { ...FORM, intent: "save-recipe", name: "Shopify framing" };
    const saved = await submit(fields);
    expect(saved.status).toBe(200);
    expect((await saved.json()).savedRecipe).toMatchObject({
      name: "Shopify framing",
      summary: "Shopify · white background",
    });
    const again = await submit(fields);
    expect(again.status).toBe(422);
    expect((await again.json()).fieldErrors.name).toMatch(/already have a recipe called/);
  });

  it("deletes the shop's own recipe, and answers another shop's with 404", async () => {
    const mine = await createSavedRecipe(db, TEST_SHOP, {
      name: "Mine",
      recipe: { preset: "ebay" },
    });
    const theirs = await createSavedRecipe(db, OTHER_SHOP, {
      name: "Theirs",
      recipe: { preset: "ebay" },
    });
    const foreign = await submit({ intent: "delete-recipe", recipeId: theirs.id });
    expect(foreign.status).toBe(404);
    expect(await db.savedRecipe.count({ where: { id: theirs.id } })).toBe(1);
    const own = await submit({ intent: "delete-recipe", recipeId: mine.id });
    expect(own.status).toBe(200);
    expect(await db.savedRecipe.count({ where: { id: mine.id } })).toBe(0);
  });

  it("refuses a request without a session token", async () => {
    const response = await callRoute(
      action,
      new Request(`${APP_URL}/app/jobs/new`, { method: "POST", body: new URLSearchParams(FORM) }),
    );
    expect([302, 401]).toContain(response.status);
    expect(await db.job.count()).toBe(0);
  });
});
