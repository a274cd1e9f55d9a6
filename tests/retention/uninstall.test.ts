/**
 * After uninstall: the shop's unfinished jobs stop at once (app/uninstalled), and should Shopify's
 * shop/redact never arrive, the hourly retention run erases the shop once it has been gone for
 * ERASE_AFTER_UNINSTALL_DAYS, and not a moment before or if the merchant came back.
 */
import { describe, expect, it } from "vitest";

import db from "~/db.server";
import { DatabaseQueue } from "~/jobs/queue/database-queue.server";
import { recordInstallation, recordUninstall } from "~/models/shop.server";
import { ERASE_AFTER_UNINSTALL_DAYS } from "~/retention/erase-shop.server";
import { purgeExpired } from "~/retention/purge.server";
import { action as uninstalled } from "~/routes/webhooks.app.uninstalled";
import { shopPrefix } from "~/storage/keys";

import { callRoute, webhookRequest } from "../support/shopify-requests";

import { DAY, newShop, storedJob, tempStorage } from "./support";

describe("after uninstall", () => {
  it("cancels the shop's unfinished jobs at once, and leaves other shops' alone", async () => {
    const shop = newShop("uninstall-cancel");
    const other = newShop("uninstall-other");
    await recordInstallation(db, shop, "write_products");
    const disk = tempStorage();
    const mine = await storedJob(db, disk.storage, shop, [
      { status: "queued", createdAt: new Date() },
      { status: "ready_for_review", createdAt: new Date() },
      { status: "written", createdAt: new Date() },
    ]);
    const theirs = await storedJob(db, disk.storage, other, [
      { status: "queued", createdAt: new Date() },
    ]);
    const response = await callRoute(uninstalled, webhookRequest("app/uninstalled", shop, {}));
    expect(response.status).toBe(200);

    const job = await db.job.findUniqueOrThrow({ where: { id: mine.job.id } });
    expect(job.canceledAt).not.toBeNull();
    const statuses = await db.jobItem.findMany({
      where: { jobId: mine.job.id },
      orderBy: { createdAt: "asc" },
      select: { status: true },
    });
    // What was written stays written (restorable from History if the merchant comes back).
    expect(statuses.map((item) => item.status).sort()).toEqual(["canceled", "canceled", "written"]);
    expect((await db.jobItem.findFirstOrThrow({ where: { jobId: theirs.job.id } })).status).toBe(
      "queued",
    );
    expect(
      (await db.job.findUniqueOrThrow({ where: { id: theirs.job.id } })).canceledAt,
    ).toBeNull();
    disk.drop();
  });

  it("erases a shop still uninstalled after the grace period everywhere, exactly when due", async () => {
    const disk = tempStorage();
    const queue = new DatabaseQueue(db);
    const shop = newShop("uninstall-erase");
    const back = newShop("uninstall-back");
    const uninstalledAt = new Date(Date.now() - DAY);
    for (const each of [shop, back]) {
      await recordInstallation(db, each, "write_products");
      await storedJob(db, disk.storage, each, [{ status: "written", createdAt: uninstalledAt }]);
      await queue.enqueue("job-generate", { shop: each, itemId: "i" }, { key: `t:${each}` });
      await recordUninstall(db, each, uninstalledAt);
    }
    // The other merchant installed the app again: nothing of theirs is erased.
    await recordInstallation(db, back, "write_products");
    const deps = { db, storage: disk.storage, queue };

    const dueAt = uninstalledAt.getTime() + ERASE_AFTER_UNINSTALL_DAYS * DAY;
    const early = await purgeExpired(deps, new Date(dueAt - 60_000));
    expect(early.shopsErased).not.toContain(shop);
    expect(await db.job.count({ where: { shop } })).toBe(1);

    const due = await purgeExpired(deps, new Date(dueAt + 60_000));
    expect(due.shopsErased).toContain(shop);
    expect(due.shopsErased).not.toContain(back);
    expect(await db.job.count({ where: { shop } })).toBe(0);
    expect(await db.shop.count({ where: { shop } })).toBe(0);
    expect(await db.queueTask.count({ where: { shop } })).toBe(0);
    expect(await disk.storage.list(shopPrefix(shop))).toEqual([]);
    expect(await db.job.count({ where: { shop: back } })).toBe(1);
    expect(await db.queueTask.count({ where: { shop: back } })).toBe(1);
    expect((await disk.storage.list(shopPrefix(back))).length).toBeGreaterThan(0);
    await queue.close();
    disk.drop();
  });
});
