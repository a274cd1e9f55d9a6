/**
 * A deployment at scale on one machine: two production web processes and three `npm run worker`
 * processes sharing PostgreSQL (a fresh schema), Redis (a queue prefix of this run) and an S3
 * bucket (a local S3-compatible server), against the dev store with three shops of 300 photos each
 * and the fake Replicate. The merchants
 * start their jobs at once through the web processes (the admin extension's endpoint, over HTTP,
 * with session tokens); a worker is killed (SIGKILL) half-way. Every photo must be written once,
 * and the shops must share the workers rather than wait for one another.
 */
import { randomBytes } from "node:crypto";

import type { PrismaClient } from "@prisma/client";
import { API_KEY, API_SECRET_KEY, getJwt } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { grantCredits } from "~/billing/ledger.server";
import { createPrismaClient } from "~/db/client.server";
import { applyMigrations } from "~/db/migrate.server";
import { createSavedRecipe } from "~/recipes/saved-recipes.server";

import { EMULATOR_TOKEN, startReplicateEmulator } from "../../emulators/replicate/src/server";
import { productLook, seedJobCatalog } from "../../emulators/shopify/src/seed-scaled";
import { buildIfStale } from "../../scripts/demo";
import { REDIS_URL, waitFor } from "../jobs/support/job-harness";
import { spawnWorker } from "../jobs/support/worker-process";
import { emptyDatabase } from "../support/databases";
import { startS3Server, type TestS3Server } from "../support/s3-server";
import { startTestDevStore } from "../support/dev-store";
import { TEST_APP_ENV } from "../support/test-env";

import { startWebProcess, type WebProcess } from "./web-process";

const SHOPS = 3;
const IMAGES_PER_PRODUCT = 3;
// SCALE_TEST_IMAGES_PER_SHOP shrinks the catalogs on a slow or busy machine (a multiple of 3).
const PRODUCTS = Math.ceil(
  Number(process.env.SCALE_TEST_IMAGES_PER_SHOP ?? 300) / IMAGES_PER_PRODUCT,
);
const IMAGES = PRODUCTS * IMAGES_PER_PRODUCT;
const TOTAL = SHOPS * IMAGES;
/** Share of all photos written when a worker is killed. */
const KILL_AT = 0.35;
/** When the first job is done, every other job has at least this share written. */
const INTERLEAVED = 0.25;
// A desktop browser: shopify-app-remix answers bots (isbot counts Node's fetch) 410 Gone.
const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

let db: PrismaClient;
let dropDatabase: () => Promise<void>;
let store: Awaited<ReturnType<typeof startTestDevStore>>;
let replicate: Awaited<ReturnType<typeof startReplicateEmulator>>;
let s3: TestS3Server;
let webs: WebProcess[] = [];
let workers: Array<ReturnType<typeof spawnWorker>> = [];
const shops = Array.from(
  { length: SHOPS },
  (_, i) => `scale-${i}-${randomBytes(3).toString("hex")}.myshopify.com`,
);
const recipeIds = new Map<string, string>();
const before = new Map<string, Record<number, ReturnType<typeof productLook>>>();

function catalogLook(shop: string) {
  const state = store.devStore.store.shop(shop)!;
  return Object.fromEntries(
    state.products.map((product) => [
      product.id,
      productLook(store.devStore.store, state, product.id),
    ]),
  );
}

async function sessionToken(shop: string) {
  return (await getJwt(shop.replace(/\.myshopify\.com$/, ""), API_KEY, API_SECRET_KEY)).token;
}

/** The merchant opens the app in the admin: token exchange installs it (an offline session). */
async function openApp(web: WebProcess, shop: string) {
  const url = new URL("/app", web.url);
  url.search = new URLSearchParams({
    embedded: "1",
    shop,
    host: Buffer.from(`${shop}/admin`).toString("base64url"),
    id_token: await sessionToken(shop),
  }).toString();
  return fetch(url, { headers: { "Sec-Fetch-Dest": "iframe", "User-Agent": USER_AGENT } });
}

/** The bulk action extension's "start": every product of the shop, the shop's saved recipe. */
async function startFromExtension(web: WebProcess, shop: string) {
  const productIds = store.devStore.store
    .shop(shop)!
    .products.map((product) => `gid://shopify/Product/${product.id}`);
  return fetch(new URL("/api/extensions/jobs", web.url), {
    method: "POST",
    headers: {
      Authorization: `Bearer ${await sessionToken(shop)}`,
      Origin: "https://extensions.shopifycdn.com",
      "Content-Type": "application/json",
      "User-Agent": USER_AGENT,
    },
    body: JSON.stringify({ productIds, choiceId: `saved:${recipeIds.get(shop)}` }),
  });
}

beforeAll(async () => {
  buildIfStale();
  const database = await emptyDatabase("PostgreSQL");
  dropDatabase = database.drop;
  await applyMigrations(database.target);
  db = createPrismaClient(database.target);

  store = await startTestDevStore({ products: 0 });
  for (const shop of shops) {
    // Shopify Plus's bucket (1,000 points a second): the workers, not Shopify, set the pace.
    const record = await store.addShop(shop, "Plus");
    await seedJobCatalog(store.devStore.store, record, {
      products: PRODUCTS,
      imagesPerProduct: IMAGES_PER_PRODUCT,
      pngProducts: 5,
      // Small photos: the test is about sharing work, and this machine has two cores.
      maxSide: 320,
    });
    before.set(shop, catalogLook(shop));
    await grantCredits(db, shop, {
      amount: IMAGES * 10,
      source: "test",
      description: "Credits for the scale test",
      idempotencyKey: "scale-test",
    });
    const recipe = await createSavedRecipe(db, shop, {
      // The eBay preset keeps the photo's background: light on CPU. The fake Replicate writes
      // the alt text and the upscale eBay's minimum size asks of these small photos.
      name: "eBay with alt text, written at once",
      recipe: { preset: "ebay", altText: true },
      autoApprove: true,
    });
    recipeIds.set(shop, recipe.id);
  }
  replicate = await startReplicateEmulator({ startingMs: 0, processingMs: 20 });
  s3 = await startS3Server();

  const env = {
    ...TEST_APP_ENV,
    DATABASE_URL: database.target.url,
    REDIS_URL,
    QUEUE_PREFIX: `photo-studio-scale-${randomBytes(4).toString("hex")}`,
    // Every process keeps originals and results in one S3-compatible bucket.
    ...s3.env(),
    SHOPIFY_DEV_STORE_URL: store.devStore.url,
    AI_PROVIDER: "replicate",
    REPLICATE_API_TOKEN: EMULATOR_TOKEN,
    REPLICATE_BASE_URL: replicate.baseUrl,
    JOB_WORKERS: "separate",
    WORKER_CONCURRENCY: "4",
    // Short leases, so the killed worker's tasks are taken over within seconds.
    QUEUE_LEASE_MS: "5000",
    QUEUE_BACKOFF_MS: "200",
    QUEUE_MAX_ATTEMPTS: "10",
  };
  webs = await Promise.all([startWebProcess(env), startWebProcess(env)]);
  workers = Array.from({ length: 3 }, () => spawnWorker(env));
}, 300_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await Promise.all(webs.map((web) => web.stop()));
  await replicate?.close();
  await store?.close();
  await db?.$disconnect();
  await dropDatabase?.();
  await s3?.close();
}, 60_000);

describe("two web processes and three workers on PostgreSQL and Redis", () => {
  it(`write ${SHOPS} shops' ${IMAGES} photos each once, interleaved, though a worker is killed`, async () => {
    // Each shop's merchant opens the app through one of the two web processes.
    for (const [i, shop] of shops.entries()) {
      const response = await openApp(webs[i % 2]!, shop);
      expect(response.status, webs[i % 2]!.output().slice(-2000)).toBe(200);
    }

    // The three bulk actions arrive at once, spread over both web processes.
    const responses = await Promise.all(
      shops.map((shop, i) => startFromExtension(webs[i % 2]!, shop)),
    );
    const started = await Promise.all(
      responses.map(async (response) => ({
        status: response.status,
        body: (await response.json()) as { jobId: string; imageCount: number },
      })),
    );
    expect(started.map((s) => [s.status, s.body.imageCount])).toEqual(
      shops.map(() => [201, IMAGES]),
    );
    const jobIds = started.map((s) => s.body.jobId);

    const settled = async () => {
      const groups = await db.jobItem.groupBy({
        by: ["status"],
        where: { jobId: { in: jobIds } },
        _count: { _all: true },
      });
      const count = (status: string) => groups.find((g) => g.status === status)?._count._all ?? 0;
      return { written: count("written"), failed: count("failed"), groups };
    };

    const killed = await waitFor(
      async () => ((await settled()).written >= TOTAL * KILL_AT ? true : undefined),
      { timeoutMs: 900_000, intervalMs: 1_000, what: `${KILL_AT * 100}% of the photos written` },
    );
    expect(killed).toBe(true);
    await workers[1]!.kill();
    expect((await settled()).written).toBeLessThan(TOTAL);

    try {
      await waitFor(
        async () => {
          const { written, failed } = await settled();
          return written + failed === TOTAL ? true : undefined;
        },
        { timeoutMs: 1_200_000, intervalMs: 1_000, what: "every photo written" },
      );
    } catch (error) {
      throw new Error(
        `${JSON.stringify((await settled()).groups)}\n${(error as Error).message}\n` +
          workers.map((worker) => worker.output().slice(-1500)).join("\n---\n"),
      );
    }

    // Every item was written: nothing failed, each item has one written write-back.
    const items = await db.jobItem.findMany({ where: { jobId: { in: jobIds } } });
    expect(items).toHaveLength(TOTAL);
    expect(items.filter((item) => item.status !== "written")).toEqual([]);
    const writes = await db.writeBack.findMany({ where: { shop: { in: shops } } });
    expect(writes.filter((write) => write.state === "written")).toHaveLength(TOTAL);
    expect(new Set(writes.map((write) => write.jobItemId)).size).toBe(TOTAL);

    // No item was processed twice: one result per item, each state entered once (every move is
    // recorded), and each AI step (alt text, and the upscale eBay's minimum size asks of these
    // small photos) billed once per photo.
    const variants = await db.variant.groupBy({
      by: ["jobItemId"],
      where: { shop: { in: shops } },
      _count: { _all: true },
    });
    expect(variants).toHaveLength(TOTAL);
    expect(variants.filter((v) => v._count._all !== 1)).toEqual([]);
    const moves = await db.jobTransition.groupBy({
      by: ["entityId", "toStatus"],
      where: { shop: { in: shops }, entityType: "JobItem" },
      _count: { _all: true },
    });
    expect(moves.filter((move) => move._count._all !== 1)).toEqual([]);
    expect(moves.filter((move) => move.toStatus === "written")).toHaveLength(TOTAL);
    expect(moves.filter((move) => move.toStatus === "processing")).toHaveLength(TOTAL);
    const billed = replicate.billing();
    const models = [...new Set(billed.map((record) => record.model))];
    expect(models).toContain("yorickvp/llava-13b");
    for (const model of models) expect(replicate.predictionCount({ model }), model).toBe(TOTAL);
    // One ledger entry per item and operation, each naming the prediction it paid for.
    const recorded = await db.predictionLedgerEntry.count({
      where: { shop: { in: shops }, predictionId: { not: null } },
    });
    expect(recorded).toBe(billed.length);

    // The worker processes kept every original and result in the shared bucket.
    const stored = s3.requests.filter((request) => request.startsWith("PUT ")).length;
    expect(stored).toBeGreaterThanOrEqual(2 * TOTAL);

    // In the stores: every photo replaced in place, no duplicate media, no stray upload.
    for (const shop of shops) {
      const after = catalogLook(shop);
      const old = before.get(shop)!;
      let changed = 0;
      for (const [product, look] of Object.entries(after)) {
        expect(look.media).toHaveLength(old[Number(product)]!.media.length);
        expect(new Set(look.media.map((media) => media.id)).size).toBe(look.media.length);
        changed += look.media.filter(
          (media, i) => media.bytes !== old[Number(product)]!.media[i]!.bytes,
        ).length;
      }
      expect(changed, shop).toBe(IMAGES);
      const created = store.devStore.store
        .shop(shop)!
        .files.filter((file) => file.filename.startsWith("photo-studio-"));
      expect(created.filter((file) => file.productIds.length === 0)).toEqual([]);
    }

    // The shops shared the workers: when the first job had its last photo written, every other
    // job was well on its way.
    const writtenAt = await db.jobTransition.findMany({
      where: { shop: { in: shops }, entityType: "JobItem", toStatus: "written" },
      select: { shop: true, at: true },
    });
    const finishedAt = shops.map((shop) =>
      Math.max(...writtenAt.filter((w) => w.shop === shop).map((w) => w.at.getTime())),
    );
    const firstDone = Math.min(...finishedAt);
    const shareAtFirstDone = shops.map(
      (shop) =>
        writtenAt.filter((w) => w.shop === shop && w.at.getTime() <= firstDone).length / IMAGES,
    );
    for (const share of shareAtFirstDone) expect(share).toBeGreaterThanOrEqual(INTERLEAVED);
  }, 1_800_000);
});
