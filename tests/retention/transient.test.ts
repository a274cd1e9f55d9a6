import { afterAll, describe, expect, it } from "vitest";

import db from "~/db.server";
import { purgeExpired } from "~/retention/purge.server";
import { purgeTransientUploads } from "~/retention/transient.server";
import { itemPrefix } from "~/storage/keys";

import { newShop, storedJob, tempStorage } from "./support";

const HOUR = 3_600_000;
const disk = tempStorage();
const storage = disk.storage;
/** The clock of a purge run this many hours after the files were uploaded (just now). */
const hoursLater = (hours: number) => new Date(Date.now() + hours * HOUR);

afterAll(() => disk.drop());

async function erasedItem(shop: string, status = "ready_for_review") {
  const { items } = await storedJob(db, storage, shop, [
    {
      status,
      createdAt: new Date(),
      variant: { review: "pending", createdAt: new Date(), mask: true },
    },
  ]);
  const item = items[0]!;
  return { item, maskKey: item.variant!.maskKey!, resultKey: item.variant!.storageKey };
}

describe("transient uploads (eraser masks)", () => {
  it("keeps a finished erase's mask for 24 hours, then deletes it and keeps the result", async () => {
    const shop = newShop("mask-done");
    const { item, maskKey, resultKey } = await erasedItem(shop);

    expect(await purgeTransientUploads({ db, storage }, hoursLater(23))).toBe(0);
    expect(await storage.exists(maskKey)).toBe(true);

    expect(await purgeTransientUploads({ db, storage }, hoursLater(25))).toBe(1);
    expect(await storage.exists(maskKey)).toBe(false);
    expect(await storage.exists(resultKey)).toBe(true);
    const variant = await db.variant.findFirstOrThrow({ where: { shop, jobItemId: item.id } });
    expect(variant).toMatchObject({ maskKey: null, review: "pending" });
  });

  it("deletes a mask no row points at (its erase round failed) after 24 hours", async () => {
    const shop = newShop("mask-orphan");
    const { items } = await storedJob(db, storage, shop, [
      { status: "failed", createdAt: new Date() },
    ]);
    const item = items[0]!;
    const orphan = `${itemPrefix(shop, item.jobId, item.id)}masks/erase-2.png`;
    await storage.put(orphan, Buffer.from("mask"), { contentType: "image/png" });

    await purgeExpired({ db, storage }, hoursLater(23));
    expect(await storage.exists(orphan)).toBe(true);
    const report = await purgeExpired({ db, storage }, hoursLater(25));
    expect(report.transientUploadsPurged).toBeGreaterThanOrEqual(1);
    expect(await storage.exists(orphan)).toBe(false);
    // The source image is the shop's retention setting's business, not this rule's.
    expect(await storage.exists(item.originalKey)).toBe(true);
  });

  it("leaves the masks of an item in flight alone, however old", async () => {
    const shop = newShop("mask-in-flight");
    const { maskKey } = await erasedItem(shop, "processing");
    await purgeTransientUploads({ db, storage }, hoursLater(72));
    expect(await storage.exists(maskKey)).toBe(true);
  });
});
