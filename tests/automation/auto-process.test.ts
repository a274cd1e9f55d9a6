import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { AUTOMATION_QUEUE } from "~/automation/auto-process.server";
import { autoProcessKey } from "~/automation/product-events.server";
import { creditBalance, holdCredits } from "~/billing/ledger.server";
import { createSavedRecipe } from "~/recipes/saved-recipes.server";

import { BACKENDS } from "../jobs/support/job-harness";

import {
  startAutomationHarness,
  waitFor,
  type AutomationHarness,
} from "./support/automation-harness";

/** Finished, or waiting for the merchant; an auto-approved job passes through review. */
const settled = (job: { status: string; autoApprove: boolean }) =>
  ["completed", "failed", "canceled"].includes(job.status) ||
  (job.status === "in_review" && !job.autoApprove);

async function settledJob(automation: AutomationHarness, productId: string) {
  return waitFor(
    async () => {
      const [job] = await automation.jobsOf(productId);
      return job && settled(job) ? job : undefined;
    },
    { what: `the automatic job of ${productId}`, timeoutMs: 60_000 },
  );
}

/** Lets every delivery and the automation task it queued run out. */
async function quiet(automation: AutomationHarness) {
  await automation.devStore.webhooks.idle();
  const events = await automation.db.automationEvent.findMany({
    where: { shop: automation.shop, outcome: "queued" },
  });
  for (const event of events) {
    const key = autoProcessKey(event.shop, event.productId, event.productUpdatedAt!.getTime());
    await waitFor(
      async () => {
        const task = await automation.harness.deps.queue.inspect(AUTOMATION_QUEUE, key);
        return !task || task.status === "completed" || task.status === "failed" ? true : undefined;
      },
      { what: `the automation task ${key}`, timeoutMs: 30_000 },
    );
  }
}

describe.each(BACKENDS)("automation ($name)", ({ backend }) => {
  let automation: AutomationHarness;
  beforeAll(async () => {
    automation = await startAutomationHarness(backend);
  }, 60_000);
  afterAll(async () => {
    await automation?.close();
  });

  it("processes a new product's image once, however often and in whatever order its webhooks arrive, and writes it back when auto-approve is on", async () => {
    await automation.settings({ autoProcess: true, autoApprove: true });
    const { webhooks } = automation.devStore;
    webhooks.hold({ shop: automation.shop });
    const product = await automation.createProduct("Canvas Tote");
    await automation.renameProduct(product.id, "Canvas Tote, natural");
    const [created, updated] = automation.productDeliveries(product.id);
    expect(created!.topic).toBe("products/create");
    expect(updated!.topic).toBe("products/update");
    // Newest first: the older products/create arrives after the products/update.
    await webhooks.release("reverse");
    // Shopify's retry of a delivery it is not sure of: same webhook id, same event id.
    await webhooks.redeliver(updated!.id);
    await webhooks.redeliver(created!.id);

    const job = await settledJob(automation, product.id);
    expect(job.status).toBe("completed");
    expect(job.writtenCount).toBe(1);
    await quiet(automation);

    const jobs = await automation.jobsOf(product.id);
    expect(jobs.map((row) => row.id)).toEqual([job.id]);
    const claims = await automation.db.autoProcessedMedia.findMany({
      where: { shop: automation.shop, productId: product.id },
    });
    expect(claims.map((claim) => [claim.mediaId, claim.jobId])).toEqual([
      [product.mediaIds[0], job.id],
    ]);
    const events = await automation.db.automationEvent.findMany({
      where: { shop: automation.shop, productId: product.id },
      orderBy: { receivedAt: "asc" },
    });
    // The write-back's own products/update was received too, and started nothing.
    expect(events.map((event) => [event.topic, event.outcome])).toEqual([
      ["products/update", "queued"],
      ["products/create", "stale"],
      ...events.slice(2).map(() => ["products/update", "queued"]),
    ]);
    expect(events.length).toBeGreaterThan(2);
    expect(automation.routes.received.every((delivery) => delivery.status === 200)).toBe(true);
    // The automatic job tells the merchant it is done.
    const notifications = await automation.db.notification.findMany({
      where: { shop: automation.shop, jobId: job.id },
    });
    expect(notifications.map((row) => row.kind)).toEqual(["completed"]);
  }, 90_000);

  it("uses the chosen saved recipe, and the image it adds to the product starts nothing", async () => {
    const recipe = await createSavedRecipe(automation.db, automation.shop, {
      name: `Added last ${backend}`,
      recipe: { preset: "shopify" },
      mode: "add",
      position: "last",
      autoApprove: true,
    });
    await automation.settings({ autoProcess: true, autoProcessRecipeId: recipe.id });
    const product = await automation.createProduct("Rope Basket");
    const job = await settledJob(automation, product.id);
    expect(job).toMatchObject({ status: "completed", mode: "add", writtenCount: 1 });
    await quiet(automation);

    // The result went in beside the original: a new media, with its own products/update.
    const numericId = Number(product.id.split("/").pop());
    const state = automation.harness.shopState().products.find((row) => row.id === numericId)!;
    expect(state.mediaIds).toHaveLength(2);
    const written = await automation.db.writeBack.findFirstOrThrow({
      where: { shop: automation.shop, productId: product.id },
    });
    expect(written.newMediaId).toBe(`gid://shopify/MediaImage/${state.mediaIds[1]}`);
    expect((await automation.jobsOf(product.id)).map((row) => row.id)).toEqual([job.id]);
    const claims = await automation.db.autoProcessedMedia.findMany({
      where: { shop: automation.shop, productId: product.id },
    });
    expect(claims.map((claim) => claim.mediaId)).toEqual(product.mediaIds);
  }, 90_000);

  it("holds the result for review, writing nothing, when auto-approve is off", async () => {
    await automation.settings({ autoProcess: true, autoApprove: false, autoProcessRecipeId: null });
    const product = await automation.createProduct("Leather Wallet");
    const job = await settledJob(automation, product.id);
    expect(job.status).toBe("in_review");
    expect(job.writtenCount).toBe(0);
    const items = await automation.db.jobItem.findMany({ where: { jobId: job.id } });
    expect(items.map((item) => [item.mediaId, item.status])).toEqual([
      [product.mediaIds[0], "ready_for_review"],
    ]);
    await quiet(automation);
    const writes = await automation.db.writeBack.count({
      where: { shop: automation.shop, productId: product.id },
    });
    expect(writes).toBe(0);
    const notifications = await automation.db.notification.findMany({
      where: { shop: automation.shop, jobId: job.id },
    });
    expect(notifications.map((row) => row.kind)).toEqual(["ready_for_review"]);
  }, 90_000);

  it("does nothing when the shop has not switched automation on", async () => {
    await automation.settings({ autoProcess: false });
    const product = await automation.createProduct("Wool Scarf");
    await quiet(automation);
    expect(automation.productDeliveries(product.id).length).toBeGreaterThan(0);
    expect(await automation.jobsOf(product.id)).toEqual([]);
    expect(
      await automation.db.automationEvent.count({
        where: { shop: automation.shop, productId: product.id },
      }),
    ).toBe(0);
  }, 60_000);

  it("stops for insufficient credits without charging, and tells the merchant", async () => {
    await automation.settings({ autoProcess: true, autoApprove: true, autoProcessRecipeId: null });
    const { available } = await creditBalance(automation.db, automation.shop);
    await holdCredits(automation.db, automation.shop, {
      jobId: "spent-elsewhere",
      amount: available,
      idempotencyKey: "automation-test-drain",
      description: "Credits used by other work",
    });
    const product = await automation.createProduct("Silk Tie");
    const job = await settledJob(automation, product.id);
    expect(job.status).toBe("failed");
    expect(job.intakeErrorCode).toBe("insufficient_credits");
    expect(await creditBalance(automation.db, automation.shop)).toMatchObject({ available: 0 });
    // Intake can fail before automation names the job its own: the notification may follow.
    const notifications = await waitFor(
      async () => {
        const rows = await automation.db.notification.findMany({
          where: { shop: automation.shop, jobId: job.id },
        });
        return rows.length > 0 ? rows : undefined;
      },
      { what: "the notification", timeoutMs: 10_000 },
    );
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ kind: "failed" });
    expect(notifications[0]!.message).toMatch(/stopped/);
  }, 60_000);
});
