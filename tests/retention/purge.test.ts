import type { PrismaClient } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createPrismaClient } from "~/db/client.server";
import { purgeExpired, startRetentionSchedule, type PurgeReport } from "~/retention/purge.server";
import { renditionKey } from "~/storage/thumbnails.server";

import { migratedDatabase, providers } from "../support/databases";

import { DAY, newShop, setRetention, storedJob, tempStorage } from "./support";

const T0 = new Date("2026-01-01T00:00:00.000Z");
const at = (days: number, ms = 0) => new Date(T0.getTime() + days * DAY + ms);

function forShop(report: PurgeReport, shop: string) {
  return report.shops.find((entry) => entry.shop === shop);
}

describe.each(providers)("the retention purge on $name", ({ name, skip }) => {
  let db: PrismaClient;
  let second: PrismaClient;
  const disk = tempStorage();
  const storage = disk.storage;

  beforeAll(() => {
    if (skip) return;
    db = createPrismaClient(migratedDatabase(name));
    // A second client stands for a second process running the purge at the same moment.
    second = createPrismaClient(migratedDatabase(name));
  });
  afterAll(async () => {
    await db?.$disconnect();
    await second?.$disconnect();
    disk.drop();
  });

  async function exists(key: string) {
    return storage.exists(key);
  }

  it.skipIf(skip)(
    "deletes sources and unreviewed or rejected results exactly when due, and not before",
    async () => {
      const shop = newShop("due");
      await setRetention(db, shop, 10, 40);
      const { items } = await storedJob(db, storage, shop, [
        {
          status: "ready_for_review",
          createdAt: T0,
          variant: { review: "pending", createdAt: T0 },
        },
        {
          status: "canceled",
          createdAt: T0,
          variant: { review: "rejected", createdAt: T0, reviewedAt: T0, mask: true },
        },
        { status: "failed", createdAt: at(1) },
      ]);
      const [pending, rejected, failed] = items;

      const early = await purgeExpired({ db, storage }, at(10, -1));
      expect(forShop(early, shop)).toEqual({ shop, sources: 0, results: 0, approvedResults: 0 });
      for (const item of items) {
        expect(await exists(item.originalKey)).toBe(true);
        expect(await exists(renditionKey(item.originalKey, "thumb"))).toBe(true);
      }
      expect(await exists(pending!.variant!.storageKey)).toBe(true);

      const due = await purgeExpired({ db, storage }, at(10, 1));
      expect(forShop(due, shop)).toEqual({ shop, sources: 2, results: 2, approvedResults: 0 });
      for (const item of [pending!, rejected!]) {
        expect(await exists(item.originalKey)).toBe(false);
        expect(await exists(renditionKey(item.originalKey, "thumb"))).toBe(false);
        expect(await exists(item.variant!.storageKey)).toBe(false);
        expect(await exists(renditionKey(item.variant!.storageKey, "thumb"))).toBe(false);
      }
      expect(await exists(rejected!.variant!.maskKey!)).toBe(false);
      // Made a day later: due a day later.
      expect(await exists(failed!.originalKey)).toBe(true);

      const rows = await db.jobItem.findMany({ where: { shop }, orderBy: { createdAt: "asc" } });
      expect(rows.map((row) => row.originalKey === null)).toEqual([true, true, false]);
      const variants = await db.variant.findMany({ where: { shop } });
      expect(variants.map((variant) => variant.review)).toEqual(["expired", "expired"]);
      expect(JSON.parse(variants[0]!.notes)).toContainEqual({
        code: "expired",
        message: "Deleted after 10 days, as your retention setting says.",
      });

      const next = await purgeExpired({ db, storage }, at(11, 1));
      expect(forShop(next, shop)).toMatchObject({ sources: 1, results: 0 });
      expect(await exists(failed!.originalKey)).toBe(false);
    },
  );

  it.skipIf(skip)(
    "keeps the original of a written image while it can be restored, and approved results for the longer period",
    async () => {
      const shop = newShop("restorable");
      await setRetention(db, shop, 10, 40);
      const { items } = await storedJob(db, storage, shop, [
        {
          status: "written",
          createdAt: T0,
          variant: { review: "approved", createdAt: T0, reviewedAt: at(5) },
          writeBack: { state: "written", writtenAt: at(5) },
        },
        { status: "approved", createdAt: T0, variant: { review: "approved", createdAt: T0 } },
        { status: "processing", createdAt: T0 },
      ]);
      const [written, approving, processing] = items;

      // Downloaded at T0, but written at day 5: restorable, and kept, until day 15.
      await purgeExpired({ db, storage }, at(15, -1));
      expect(await exists(written!.originalKey)).toBe(true);
      const restorable = await purgeExpired({ db, storage }, at(15, 1));
      expect(forShop(restorable, shop)).toMatchObject({ sources: 1, approvedResults: 0 });
      expect(await exists(written!.originalKey)).toBe(false);
      expect(await exists(written!.variant!.storageKey)).toBe(true);

      // Approved at day 5, kept 40 days.
      await purgeExpired({ db, storage }, at(45, -1));
      expect(await exists(written!.variant!.storageKey)).toBe(true);
      const results = await purgeExpired({ db, storage }, at(45, 1));
      expect(forShop(results, shop)).toMatchObject({ approvedResults: 1 });
      expect(await exists(written!.variant!.storageKey)).toBe(false);

      // Items still in flight are never touched, however old.
      await purgeExpired({ db, storage }, at(400));
      for (const item of [approving!, processing!]) {
        expect(await exists(item.originalKey)).toBe(true);
      }
      expect(await exists(approving!.variant!.storageKey)).toBe(true);
    },
  );

  it.skipIf(skip)("leaves the files of a product being written alone", async () => {
    const shop = newShop("locked");
    await setRetention(db, shop, 10, 40);
    const { items } = await storedJob(db, storage, shop, [
      { status: "canceled", createdAt: T0, productId: "gid://shopify/Product/77" },
    ]);
    await db.productWriteLock.create({
      data: { shop, productId: "gid://shopify/Product/77", owner: "w", expiresAt: at(100) },
    });
    await purgeExpired({ db, storage }, at(20));
    expect(await exists(items[0]!.originalKey)).toBe(true);
    await db.productWriteLock.deleteMany({ where: { shop } });
    await purgeExpired({ db, storage }, at(20));
    expect(await exists(items[0]!.originalKey)).toBe(false);
  });

  it.skipIf(skip)(
    "never touches another shop's files, which follow that shop's settings",
    async () => {
      const short = newShop("short");
      const long = newShop("long");
      await setRetention(db, short, 1, 30);
      await setRetention(db, long, 90, 365);
      const spec = [
        { status: "canceled", createdAt: T0, variant: { review: "rejected", createdAt: T0 } },
      ];
      const mine = await storedJob(db, storage, short, spec);
      const theirs = await storedJob(db, storage, long, spec);
      const report = await purgeExpired({ db, storage }, at(30));
      expect(forShop(report, short)).toMatchObject({ sources: 1, results: 1 });
      expect(forShop(report, long)).toMatchObject({ sources: 0, results: 0 });
      expect(await exists(mine.items[0]!.originalKey)).toBe(false);
      expect(await exists(theirs.items[0]!.originalKey)).toBe(true);
      expect(await exists(theirs.items[0]!.variant!.storageKey)).toBe(true);
      expect(await db.auditEvent.count({ where: { shop: long } })).toBe(0);
    },
  );

  it.skipIf(skip)(
    "records one audit event per shop and run with the counts, and nothing on a run that purged nothing",
    async () => {
      const shop = newShop("audited");
      await setRetention(db, shop, 10, 40);
      await storedJob(db, storage, shop, [
        { status: "canceled", createdAt: T0, variant: { review: "rejected", createdAt: T0 } },
        { status: "failed", createdAt: T0 },
      ]);
      await purgeExpired({ db, storage }, at(11));
      await purgeExpired({ db, storage }, at(12));
      const events = await db.auditEvent.findMany({ where: { shop } });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ action: "retention.purged", actor: "system", at: at(11) });
      expect(JSON.parse(events[0]!.details)).toEqual({
        sources: 2,
        results: 1,
        approvedResults: 0,
        retentionDays: 10,
        resultRetentionDays: 40,
      });
    },
  );

  it.skipIf(skip)("runs twice at once without doubling anything", async () => {
    const shop = newShop("concurrent");
    await setRetention(db, shop, 10, 40);
    const { items } = await storedJob(
      db,
      storage,
      shop,
      Array.from({ length: 12 }, () => ({
        status: "canceled",
        createdAt: T0,
        variant: { review: "rejected", createdAt: T0 },
      })),
    );
    const [one, two] = await Promise.all([
      purgeExpired({ db, storage }, at(11)),
      purgeExpired({ db: second, storage }, at(11)),
    ]);
    expect(one.failures).toEqual([]);
    expect(two.failures).toEqual([]);
    const sum = (key: "sources" | "results") =>
      (forShop(one, shop)?.[key] ?? 0) + (forShop(two, shop)?.[key] ?? 0);
    expect(sum("sources")).toBe(12);
    expect(sum("results")).toBe(12);
    for (const item of items) {
      expect(await exists(item.originalKey)).toBe(false);
      expect(await exists(item.variant!.storageKey)).toBe(false);
    }
    const events = await db.auditEvent.findMany({ where: { shop } });
    const recorded = events.reduce(
      (total, event) => total + (JSON.parse(event.details) as { sources: number }).sources,
      0,
    );
    expect(recorded).toBe(12);
  });

  it.skipIf(skip)("drops audit events older than the audit period", async () => {
    const shop = newShop("old-audit");
    await db.auditEvent.createMany({
      data: [
        { shop, action: "job.started", at: at(0) },
        { shop, action: "job.started", at: at(300) },
      ],
    });
    const report = await purgeExpired({ db, storage }, at(366));
    expect(report.auditEventsPurged).toBeGreaterThanOrEqual(1);
    const left = await db.auditEvent.findMany({ where: { shop } });
    expect(left.map((event) => event.at)).toEqual([at(300)]);
  });

  it.skipIf(skip)(
    "drops product webhook records once Shopify can no longer retry them",
    async () => {
      const shop = newShop("old-webhooks");
      const event = (webhookId: string, receivedAt: Date) => ({
        shop,
        webhookId,
        topic: "products/create",
        productId: "gid://shopify/Product/1",
        receivedAt,
      });
      await db.automationEvent.createMany({
        data: [event("week-old", at(0)), event("recent", at(6))],
      });
      const report = await purgeExpired({ db, storage }, at(8));
      expect(report.automationEventsPurged).toBeGreaterThanOrEqual(1);
      const left = await db.automationEvent.findMany({ where: { shop } });
      expect(left.map((row) => row.webhookId)).toEqual(["recent"]);
    },
  );
});

describe("the retention schedule", () => {
  it("runs shortly after start, then on its interval, and stops", async () => {
    const disk = tempStorage();
    const { default: db } = await import("~/db.server");
    const reports: PurgeReport[] = [];
    const schedule = startRetentionSchedule(
      { db, storage: disk.storage },
      { firstRunMs: 10, everyMs: 30, onReport: (report) => reports.push(report) },
    );
    try {
      // Two runs, however slow the first one is on a busy machine (a cold PostgreSQL connection).
      const deadline = Date.now() + 10_000;
      while (reports.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await schedule.running();
      expect(reports.length).toBeGreaterThanOrEqual(2);
    } finally {
      schedule.stop();
      disk.drop();
    }
    const count = reports.length;
    await new Promise((resolve) => setTimeout(resolve, 80));
    await schedule.running();
    expect(reports.length).toBe(count);
  });
});
