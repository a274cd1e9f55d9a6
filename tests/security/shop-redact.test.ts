import fs from "node:fs";

import { Prisma } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { recordAudit } from "~/audit/audit.server";
import db from "~/db.server";
import { getEnv } from "~/env.server";
import { QUEUES } from "~/jobs/deps.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { recordInstallation } from "~/models/shop.server";
import { action as shopRedact } from "~/routes/webhooks.shop.redact";
import { itemPrefix, shopPrefix } from "~/storage/keys";
import { storageFor } from "~/storage/object-storage.server";

import { installShops } from "../review/requests";
import { storedJob } from "../retention/support";
import { callRoute, webhookRequest } from "../support/shopify-requests";

const storageDir = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/photo-studio-redact-scan-${process.pid}-${Date.now()}`;
  process.env.STORAGE_DIR = dir;
  return dir;
});

const LEAVING = "redact-leaving.myshopify.com";
const STAYING = "redact-staying.myshopify.com";
const storage = () => storageFor(getEnv());

/**
 * Tables that hold nothing of any shop: process-wide bookkeeping, listed by name so a new table
 * is only left out on purpose.
 */
const SHOPLESS_TABLES = new Set([
  // Which process runs the fleet's periodic work (app/jobs/schedule-lease.server.ts).
  "ScheduleLease",
]);

/**
 * With REDIS_URL (the scale project) the queue is BullMQ and the database queue's table stays
 * empty; the queue's own entries are checked through the queue below on either backend.
 */
const UNUSED_TABLES = new Set(process.env.REDIS_URL ? ["QueueTask"] : []);

/** Every table that may hold a shop's data, as its Prisma delegate name (Session -> session). */
const tables = Prisma.dmmf.datamodel.models
  .filter((model) => !SHOPLESS_TABLES.has(model.name) && !UNUSED_TABLES.has(model.name))
  .map((model) => model.name[0]!.toLowerCase() + model.name.slice(1));

type Delegate = { findMany: () => Promise<unknown[]> };
const rowsOf = (table: string) => (db as unknown as Record<string, Delegate>)[table]!.findMany();
const mentions = (row: unknown, shop: string) =>
  JSON.stringify(row, (_key, value: unknown) =>
    typeof value === "bigint" ? value.toString() : value,
  ).includes(shop);

/** A row in every table, files in storage and tasks in the queue: a shop that used everything. */
async function shopThatUsedEverything(shop: string) {
  await recordInstallation(db, shop, "write_products,write_files");
  await installShops(shop);
  const now = new Date();
  const { job, items } = await storedJob(db, storage(), shop, [
    {
      status: "ready_for_review",
      createdAt: now,
      variant: { review: "approved", createdAt: now, mask: true },
      writeBack: { state: "written", writtenAt: now },
    },
  ]);
  const item = items[0]!;
  await storage().put(`${itemPrefix(shop, job.id, item.id)}masks/erase-9.png`, Buffer.from("m"), {
    contentType: "image/png",
  });
  await db.jobTransition.create({
    data: {
      shop,
      entityType: "JobItem",
      entityId: item.id,
      fromStatus: "queued",
      toStatus: "processing",
    },
  });
  await db.predictionLedgerEntry.create({ data: { key: `pred:${shop}`, shop, state: "started" } });
  await db.productWriteLock.create({
    data: { shop, productId: item.productId, owner: "w1", expiresAt: now },
  });
  await db.shopSettings.create({ data: { shop } });
  await db.savedRecipe.create({ data: { shop, name: "Mine", recipe: "{}" } });
  await db.imageFacts.create({
    data: {
      shop,
      mediaId: item.mediaId,
      productId: item.productId,
      sourceUrl: "https://cdn.example/x.jpg",
      width: 10,
      height: 10,
      whiteBackground: true,
    },
  });
  await db.catalogAuditRun.create({
    data: { shop, status: "completed", score: 80, groups: JSON.stringify({ shop }) },
  });
  await db.altTextFillRun.create({ data: { shop, productIds: JSON.stringify([item.productId]) } });
  await db.automationEvent.create({
    data: { shop, webhookId: `hook:${shop}`, topic: "products/create", productId: item.productId },
  });
  await db.autoProcessedMedia.create({
    data: {
      shop,
      productId: item.productId,
      mediaId: item.mediaId,
      claimKey: "auto",
      jobId: job.id,
    },
  });
  await db.notification.create({
    data: { shop, jobId: job.id, kind: "completed", message: "Your job is done." },
  });
  await db.creditAccount.create({ data: { shop, available: 10 } });
  await db.shopBilling.create({ data: { shop } });
  await db.creditLedgerEntry.create({
    data: {
      shop,
      kind: "grant",
      amount: 10,
      source: "plan",
      description: "Monthly credits",
      idempotencyKey: `grant:${shop}`,
    },
  });
  await recordAudit(db, shop, { action: "job.started", actor: "merchant", subjectId: job.id });
  const queue = jobRuntime().queue;
  await queue.enqueue(QUEUES.generate, { shop, itemId: item.id }, { key: `generate:${shop}` });
  await queue.enqueue(
    QUEUES.write,
    { shop, itemId: item.id },
    { key: `write:${shop}`, delayMs: 3_600_000 },
  );
}

beforeAll(async () => {
  await shopThatUsedEverything(LEAVING);
  await shopThatUsedEverything(STAYING);
});

afterAll(async () => {
  await jobRuntime().queue.close();
  fs.rmSync(storageDir, { recursive: true, force: true });
});

describe("after shop/redact", () => {
  it("starts from a shop with rows in every table (a new table must be erased too)", async () => {
    for (const table of tables) {
      const rows = await rowsOf(table);
      expect(
        rows.some((row) => mentions(row, LEAVING)),
        `no ${table} row of the shop`,
      ).toBe(true);
    }
  });

  it("a scan of every table, of storage and of the queue finds nothing of the shop", async () => {
    for (let delivery = 0; delivery < 2; delivery++) {
      // Shopify may deliver it twice; the repeat finds nothing and still answers 200.
      const response = await callRoute(
        shopRedact,
        webhookRequest("shop/redact", LEAVING, { shop_id: 1, shop_domain: LEAVING }),
      );
      expect(response.status).toBe(200);
    }

    for (const table of tables) {
      const left = (await rowsOf(table)).filter((row) => mentions(row, LEAVING));
      if (table === "auditEvent") {
        // The proof that the erasure happened: the shop's domain, the action and counts only.
        expect(left).toEqual([expect.objectContaining({ action: "shop.erased" })]);
      } else {
        expect(left, `${table} still holds the shop`).toEqual([]);
      }
    }
    expect(await storage().list(shopPrefix(LEAVING))).toEqual([]);
    const queue = jobRuntime().queue;
    expect(await queue.inspect(QUEUES.generate, `generate:${LEAVING}`)).toBeNull();
    expect(await queue.inspect(QUEUES.write, `write:${LEAVING}`)).toBeNull();
  });

  it("leaves every other shop's rows, files and queue entries as they were", async () => {
    for (const table of tables) {
      const rows = await rowsOf(table);
      expect(
        rows.some((row) => mentions(row, STAYING)),
        `${table} lost the other shop`,
      ).toBe(true);
    }
    expect((await storage().list(shopPrefix(STAYING))).length).toBeGreaterThanOrEqual(5);
    const queue = jobRuntime().queue;
    expect(await queue.inspect(QUEUES.generate, `generate:${STAYING}`)).not.toBeNull();
    expect(await queue.inspect(QUEUES.write, `write:${STAYING}`)).not.toBeNull();
  });
});
