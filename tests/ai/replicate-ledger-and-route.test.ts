import { randomBytes } from "node:crypto";

import type { PrismaClient } from "@prisma/client";
import { APP_URL } from "@shopify/shopify-api/test-helpers";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { createAiProvider, type ReplicateAiProvider } from "~/ai";
import { buildAiProvider, getAiProvider, setAiProviderForTests } from "~/ai/provider.server";
import {
  DatabasePredictionLedger,
  predictionKey,
  shopOfPredictionKey,
} from "~/ai/replicate/database-ledger.server";
import { createPrismaClient } from "~/db/client.server";
import db from "~/db.server";
import * as route from "~/routes/webhooks.replicate";

import { signWebhook } from "../../emulators/replicate/src/webhooks";
import { migratedDatabase, providers } from "../support/databases";
import { callRoute } from "../support/shopify-requests";
import { syntheticProductPhoto } from "./support/images";
import { eventually, startTestReplicate, startWebhookReceiver } from "./support/replicate";

// Before anything reads the configuration: this process runs the Replicate provider.
vi.hoisted(() => {
  process.env.AI_PROVIDER = "replicate";
});

const SECRET = `whsec_${Buffer.from("photo-studio-ledger-and-route-test").toString("base64")}`;
const REPLICATE_ENV = [
  "REPLICATE_API_TOKEN",
  "REPLICATE_BASE_URL",
  "REPLICATE_WEBHOOK_SIGNING_SECRET",
  "REPLICATE_WEBHOOK_URL",
] as const;

let replicate: Awaited<ReturnType<typeof startTestReplicate>>;
let photo: Awaited<ReturnType<typeof syntheticProductPhoto>>;

beforeAll(async () => {
  replicate = await startTestReplicate({ webhookSigningSecret: SECRET, processingMs: 50 });
  photo = await syntheticProductPhoto(96, 72);
  Object.assign(process.env, {
    REPLICATE_API_TOKEN: "r8_emulator_token_0000000000000000000000",
    REPLICATE_BASE_URL: replicate.emulator.baseUrl,
    REPLICATE_WEBHOOK_SIGNING_SECRET: SECRET,
  });
});
afterAll(async () => {
  setAiProviderForTests(null);
  for (const name of [...REPLICATE_ENV, "AI_PROVIDER"]) delete process.env[name];
  await replicate.close();
});
beforeEach(() => replicate.emulator.reset());

const newShop = () => `ledger-${randomBytes(4).toString("hex")}.myshopify.com`;

describe("prediction keys", () => {
  it("carry their shop, which the ledger's rows are scoped by", () => {
    const key = predictionKey("shop-a.myshopify.com", "item-7", "remove-background", 0);
    expect(key).toBe("shop-a.myshopify.com|item-7:remove-background:0");
    expect(shopOfPredictionKey(key)).toBe("shop-a.myshopify.com");
    expect(shopOfPredictionKey("job/1/item/2/remove-background")).toBe("");
    expect(() => predictionKey("", "x")).toThrow(/shop/);
    expect(() => predictionKey("a|b", "x")).toThrow(/shop/);
  });
});

describe.each(providers)("the database prediction ledger on $name", ({ name, skip }) => {
  const clients: PrismaClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.$disconnect()));
  });
  /** A client of its own, as another process would have. */
  function processDb() {
    const client = createPrismaClient(migratedDatabase(name));
    clients.push(client);
    return client;
  }

  it.skipIf(skip)(
    "keeps both kinds of entry, in rows of the key's shop, and deletes them",
    async () => {
      const prisma = processDb();
      const ledger = new DatabasePredictionLedger(prisma);
      const shop = newShop();
      const creating = predictionKey(shop, "item-1", "upscale", 0);
      const created = predictionKey(shop, "item-2", "upscale", 0);
      const startedAt = Date.now() - 5_000;

      await ledger.set(creating, { state: "creating", model: "m/n", fingerprint: "f1", startedAt });
      await ledger.set(created, { state: "created", predictionId: "p1" });

      expect(await ledger.get(creating)).toEqual({
        state: "creating",
        model: "m/n",
        fingerprint: "f1",
        startedAt,
      });
      expect(await ledger.get(created)).toEqual({ state: "created", predictionId: "p1" });
      const rows = await prisma.predictionLedgerEntry.findMany({ where: { shop } });
      expect(rows.map((row) => row.key).sort()).toEqual([creating, created].sort());

      // "creating" becomes "created" under the same key.
      await ledger.set(creating, { state: "created", predictionId: "p2" });
      expect(await ledger.get(creating)).toEqual({ state: "created", predictionId: "p2" });

      await ledger.delete(created);
      expect(await ledger.get(created)).toBeUndefined();
      expect(await ledger.get(predictionKey(shop, "never", "written"))).toBeUndefined();
    },
  );

  it.skipIf(skip)("is shared by processes: one's writes are the other's reads", async () => {
    const first = new DatabasePredictionLedger(processDb());
    const second = new DatabasePredictionLedger(processDb());
    const key = predictionKey(newShop(), "item-1", "scene", 0);

    await first.set(key, { state: "created", predictionId: "shared" });
    expect(await second.get(key)).toEqual({ state: "created", predictionId: "shared" });
    await second.delete(key);
    expect(await first.get(key)).toBeUndefined();
  });

  it.skipIf(skip)("forgets entries older than its lifetime, on read and when pruned", async () => {
    const prisma = processDb();
    const ledger = new DatabasePredictionLedger(prisma, {
      lifetimeMs: 300,
      pruneEveryMs: 3_600_000,
    });
    const shop = newShop();
    const old = predictionKey(shop, "old");
    const stale = predictionKey(shop, "stale");
    await ledger.set(old, { state: "created", predictionId: "p-old" });
    await ledger.set(stale, { state: "created", predictionId: "p-stale" });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const fresh = predictionKey(shop, "fresh");
    await ledger.set(fresh, { state: "created", predictionId: "p-fresh" });

    expect(await ledger.get(old)).toBeUndefined();
    expect(await prisma.predictionLedgerEntry.count({ where: { key: old } })).toBe(0);
    expect(await ledger.prune()).toBeGreaterThanOrEqual(1);
    expect(await prisma.predictionLedgerEntry.count({ where: { key: stale } })).toBe(0);
    expect(await ledger.get(fresh)).toEqual({ state: "created", predictionId: "p-fresh" });
  });

  it.skipIf(skip)(
    "lets a second worker follow the prediction the first one's lost creation made: billed once",
    async () => {
      const key = predictionKey(newShop(), "item-1", "remove-background", 0);
      // The first worker's creation goes out and its answer is lost; then its network fails too,
      // so it cannot find the prediction in Replicate's list before giving up.
      replicate.emulator.inject({ dropAfterCreate: { times: 1 } });
      const cutOff: typeof fetch = async (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        const method = (init?.method ?? "GET").toUpperCase();
        if (method === "GET" && url.pathname === "/v1/predictions") {
          throw new TypeError("fetch failed");
        }
        return fetch(input, init);
      };
      const first = replicate.provider({
        ledger: new DatabasePredictionLedger(processDb()),
        fetch: cutOff,
      });
      const lost = await first
        .removeBackground(photo, { idempotencyKey: key })
        .catch((error) => error);
      expect(lost).toMatchObject({ code: "unconfirmed", retryable: true });
      expect(replicate.emulator.predictionCount()).toBe(1);

      // The task is retried on another worker process, with the same key.
      const secondDb = processDb();
      const second = replicate.provider({ ledger: new DatabasePredictionLedger(secondDb) });
      const { cutout } = await second.removeBackground(photo, { idempotencyKey: key });

      expect(cutout.length).toBeGreaterThan(1_000);
      const [billed] = replicate.emulator.billing();
      expect(replicate.emulator.billing()).toHaveLength(1);
      expect(billed).toMatchObject({ model: "bria/remove-background", status: "succeeded" });
      // The provider adds the operation to the key; the row stays the key's shop's.
      const rows = await secondDb.predictionLedgerEntry.findMany({
        where: { shop: shopOfPredictionKey(key) },
      });
      expect(rows).toEqual([
        expect.objectContaining({
          key: expect.stringContaining(key),
          state: "created",
          predictionId: billed!.id,
        }),
      ]);

      // A third process asking again reads the ledger and creates nothing.
      const creationsBefore = replicate.emulator.requests.filter(
        (r) => r.method === "POST" && r.path.endsWith("/predictions"),
      ).length;
      const third = replicate.provider({ ledger: new DatabasePredictionLedger(processDb()) });
      await third.removeBackground(photo, { idempotencyKey: key });
      expect(
        replicate.emulator.requests.filter(
          (r) => r.method === "POST" && r.path.endsWith("/predictions"),
        ),
      ).toHaveLength(creationsBefore);
      expect(replicate.emulator.predictionCount()).toBe(1);
    },
  );
});

describe("the process's AI provider", () => {
  beforeEach(() => {
    delete process.env.REPLICATE_WEBHOOK_URL;
    setAiProviderForTests(null);
  });

  it("is one Replicate provider from the environment, with the database ledger and the app's webhook route", async () => {
    const provider = getAiProvider();
    expect(provider.name).toBe("replicate");
    expect(getAiProvider()).toBe(provider);

    replicate.emulator.inject({ dropWebhooks: true });
    const shop = newShop();
    const key = predictionKey(shop, "item-1", "remove-background", 0);
    await provider.removeBackground(photo, { idempotencyKey: key });

    const [prediction] = replicate.emulator.allPredictions();
    expect(prediction).toMatchObject({
      webhook: `${APP_URL}/webhooks/replicate`,
      webhook_events_filter: ["completed"],
    });
    expect(await db.predictionLedgerEntry.findMany({ where: { shop } })).toEqual([
      expect.objectContaining({
        key: expect.stringContaining(key),
        state: "created",
        predictionId: prediction!.id,
      }),
    ]);
  });

  it("sends webhooks to REPLICATE_WEBHOOK_URL when it is set", async () => {
    process.env.REPLICATE_WEBHOOK_URL = "https://tunnel.example/webhooks/replicate";
    replicate.emulator.inject({ dropWebhooks: true });
    await getAiProvider().removeBackground(photo);
    expect(replicate.emulator.allPredictions()[0]?.webhook).toBe(
      "https://tunnel.example/webhooks/replicate",
    );
  });

  it("asks for no webhooks when separate worker processes wait for the predictions", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const provider = buildAiProvider({
      aiProvider: "replicate",
      appUrl: APP_URL,
      jobWorkers: "separate",
    });
    await provider.removeBackground(photo);
    expect(replicate.emulator.allPredictions()[0]).not.toHaveProperty("webhook");
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/webhooks are off/));
    warn.mockRestore();
  });

  it("is the local provider when AI_PROVIDER says so", () => {
    const provider = buildAiProvider({
      aiProvider: "local",
      appUrl: APP_URL,
      jobWorkers: "in-process",
    });
    expect(provider.name).toBe("local");
  });
});

describe("the Replicate webhook route", () => {
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let provider: ReplicateAiProvider;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    receiver.handle((request) => callRoute(route.action, request));
  });
  afterAll(() => receiver.close());
  beforeEach(() => {
    receiver.answers.length = 0;
    // Webhooks only (the fallback poll is a minute away), so a result can only come through here.
    provider = replicate.provider({
      webhook: { url: receiver.url, signingSecret: SECRET },
      pollIntervalMs: 60_000,
    });
    setAiProviderForTests(provider);
  });

  function delivery(
    body: string,
    {
      id = `msg_${randomBytes(6).toString("hex")}`,
      timestamp = Math.floor(Date.now() / 1000),
      secret = SECRET,
    } = {},
  ) {
    return new Request(`${APP_URL}/webhooks/replicate`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signWebhook(secret, id, timestamp, body),
      },
      body,
    });
  }

  it("wakes the waiting call with Replicate's signed webhook", async () => {
    replicate.emulator.inject({ slow: { processingMs: 500 } });
    const started = Date.now();
    const { cutout } = await provider.removeBackground(photo);

    expect(cutout.length).toBeGreaterThan(1_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(receiver.answers.map((answer) => answer.status)).toEqual([200]);
    expect(replicate.emulator.webhooks.deliveries.map((d) => d.status)).toEqual([200]);
  });

  it("accepts a correctly signed delivery and refuses a bad signature, a changed body and missing headers", async () => {
    const body = JSON.stringify({ id: "p1", status: "processing" });
    expect((await callRoute(route.action, delivery(body))).status).toBe(200);

    const otherSecret = `whsec_${Buffer.from("someone else's secret").toString("base64")}`;
    expect((await callRoute(route.action, delivery(body, { secret: otherSecret }))).status).toBe(
      401,
    );
    const signed = delivery(body);
    const changed = new Request(signed.url, {
      method: "POST",
      headers: signed.headers,
      body: body.replace("processing", "succeeded"),
    });
    expect((await callRoute(route.action, changed)).status).toBe(401);
    const unsigned = new Request(signed.url, { method: "POST", body });
    expect((await callRoute(route.action, unsigned)).status).toBe(401);
  });

  it("refuses a genuine delivery replayed more than five minutes later (stale timestamp)", async () => {
    const body = JSON.stringify({ id: "p1", status: "succeeded" });
    const stale = Math.floor(Date.now() / 1000) - 301;
    const response = await callRoute(route.action, delivery(body, { timestamp: stale }));
    expect(response.status).toBe(401);
    expect(await response.text()).toMatch(/timestamp/);
  });

  it("acknowledges a replayed webhook-id without acting on it again", async () => {
    replicate.emulator.inject({ slow: { processingMs: 1_000 }, dropWebhooks: true });
    let settledAt = 0;
    const running = provider.removeBackground(photo).then((result) => {
      settledAt = Date.now();
      return result;
    });
    const prediction = await eventually(() =>
      replicate.emulator.allPredictions().find((p) => p.status === "processing"),
    );

    // A delivery, then the same webhook-id again claiming success with an opaque stand-in: the
    // first is taken, the replay is acknowledged (so Replicate would stop) and ignored.
    const opaque = await sharp({
      create: { width: 96, height: 72, channels: 4, background: "#ff00ff" },
    })
      .png()
      .toBuffer();
    const id = "msg_replayed";
    expect(
      (await callRoute(route.action, delivery(JSON.stringify(prediction), { id }))).status,
    ).toBe(200);
    const replay = JSON.stringify({
      ...prediction,
      status: "succeeded",
      output: `data:image/png;base64,${opaque.toString("base64")}`,
    });
    expect((await callRoute(route.action, delivery(replay, { id }))).status).toBe(200);

    // The real result arrives with its own webhook-id, and only that one settles the call.
    const done = await eventually(() => {
      const current = replicate.emulator.prediction(prediction.id);
      return current?.status === "succeeded" ? current : null;
    });
    const final = JSON.stringify(done);
    const finalDelivery = { id: "msg_final" };
    expect((await callRoute(route.action, delivery(final, finalDelivery))).status).toBe(200);
    const { cutout } = await running;
    expect(settledAt).toBeGreaterThanOrEqual(Date.parse(done.completed_at!));
    // The backdrop was cut away: the corner is transparent (the replay's stand-in had none).
    const { data } = await sharp(cutout).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(data[3]).toBe(0);
    // Replicate redelivering that final webhook is acknowledged too.
    expect((await callRoute(route.action, delivery(final, finalDelivery))).status).toBe(200);
  });

  it("answers 404 when this process's provider takes no Replicate webhooks", async () => {
    const body = JSON.stringify({ id: "p1", status: "succeeded" });
    setAiProviderForTests(createAiProvider("local"));
    expect((await callRoute(route.action, delivery(body))).status).toBe(404);
    setAiProviderForTests(replicate.provider({ webhook: null }));
    expect((await callRoute(route.action, delivery(body))).status).toBe(404);
  });

  it("has no loader (Remix answers GET with 405) and refuses other methods", async () => {
    expect(route).not.toHaveProperty("loader");
    const put = new Request(`${APP_URL}/webhooks/replicate`, { method: "PUT", body: "{}" });
    expect((await callRoute(route.action, put)).status).toBe(405);
  });
});
