/**
 * Billing end to end against the dev store's Billing API: the plans page's loader and action
 * (shopify-app-remix's billing helpers over the app's real session), Shopify's confirmation page,
 * the billing webhooks delivered to the app's route over HTTP, and jobs that run through included
 * credits into capped overage and to the cap.
 */
import { TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { creditBalance } from "~/billing/ledger.server";
import { buyOverageCredits } from "~/billing/overage.server";
import { currentPlan } from "~/billing/plan-state.server";
import type { PlansView } from "~/billing/plans-view.server";
import db from "~/db.server";
import { holdJobCreditsWithOverage, releaseUnusedJobCredits } from "~/jobs/credits.server";
import { QUEUES } from "~/jobs/deps.server";
import { runIntake } from "~/jobs/intake.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { startJob } from "~/jobs/start-job.server";
import { recipeSchema } from "~/jobs/recipe";
import { transition } from "~/jobs/states";
import { adminClientFor } from "~/shopify/admin-client.server";
import { action, loader } from "~/routes/app.plans";
import { action as billingWebhook } from "~/routes/webhooks.billing";
import { action as uninstalledWebhook } from "~/routes/webhooks.app.uninstalled";

import { adminGet, adminPost } from "../review/requests";
import {
  decideOnConfirmationPage,
  openAppAsMerchant,
  serveWebhookRoutes,
  startTestDevStore,
} from "../support/dev-store";
import { callRoute, webhookRequest } from "../support/shopify-requests";

let harness: Awaited<ReturnType<typeof startTestDevStore>>;
let hooks: Awaited<ReturnType<typeof serveWebhookRoutes>>;

beforeAll(async () => {
  hooks = await serveWebhookRoutes({
    "/webhooks/billing": billingWebhook,
    "/webhooks/app/uninstalled": uninstalledWebhook,
  });
  harness = await startTestDevStore({ products: 1, appUrl: hooks.url });
  await harness.addShop(TEST_SHOP);
  await db.session.deleteMany({ where: { shop: TEST_SHOP } });
  expect((await openAppAsMerchant()).status).toBe(200);
});

afterAll(async () => {
  await harness.close();
  await hooks.close();
});

async function plansPage(): Promise<PlansView> {
  const response = await callRoute(loader, await adminGet("/app/plans", TEST_SHOP));
  expect(response.status).toBe(200);
  return response.json();
}

async function plansAction(fields: Record<string, string>) {
  return callRoute(action, await adminPost("/app/plans", TEST_SHOP, Object.entries(fields)));
}

/** An action that ends on Shopify's confirmation page: App Bridge follows the header's URL. */
async function confirmationUrlOf(fields: Record<string, string>) {
  const response = await plansAction(fields);
  expect(response.status).toBe(401);
  const url = response.headers.get("X-Shopify-API-Request-Failure-Reauthorize-Url");
  expect(url).toMatch(/^http/);
  return url!;
}

/** The merchant asks for a charge on the plans page and decides on Shopify's page. */
async function decide(fields: Record<string, string>, decision: "approve" | "decline") {
  const { location } = await decideOnConfirmationPage(await confirmationUrlOf(fields), decision);
  await harness.devStore.webhooks.idle();
  return location;
}

async function billingCalls() {
  const response = await fetch(`${harness.devStore.url}/_dev/billing?shop=${TEST_SHOP}`);
  return ((await response.json()) as { calls: Array<Record<string, string | null>> }).calls;
}

const planAudits = () =>
  db.auditEvent.findMany({ where: { shop: TEST_SHOP, action: "plan.changed" } });

async function creditJob(images: number) {
  return db.job.create({
    data: {
      shop: TEST_SHOP,
      // Amazon removes the background: 1 credit per image.
      recipe: JSON.stringify(recipeSchema.parse({ preset: "amazon" })),
      itemCount: images,
    },
  });
}

const billingDeps = { db, adminFor: adminClientFor };

describe("plans through the Billing API", () => {
  it("starts on Free with the month's included credits and shows every plan and pack", async () => {
    const view = await plansPage();
    expect(view.current).toMatchObject({ id: "free", name: "Free", available: 25, usage: null });
    expect(view.plans.map((plan) => plan.id)).toEqual(["free", "pro", "pro-annual", "business"]);
    expect(view.packs.map((pack) => pack.credits)).toEqual([100, 500, 2000]);
    expect(view.costs.find((cost) => cost.label === "Magic eraser")?.cost).toBe("1 credit");
  });

  it("subscribes: the merchant approves on Shopify's page and is back on the plans page with the plan's credits", async () => {
    const location = await decide({ intent: "subscribe", plan: "pro" }, "approve");
    expect(location).toContain("/app/plans");
    expect(new URL(location, harness.devStore.url).searchParams.get("charge_id")).toMatch(/^\d+$/);
    // The webhook reached the app's route and was answered.
    expect(hooks.received).toContainEqual({ path: "/webhooks/billing", status: 200 });

    const view = await plansPage();
    expect(view.current).toMatchObject({ id: "pro", test: true, includedCredits: 400 });
    expect(view.current.available).toBe(25 + 400);
    expect(view.current.usage).toMatchObject({ used: 0, cap: 20, percent: 0 });
    expect(view.ledger.entries[0]).toMatchObject({ kind: "grant", amount: 400 });
    expect((await planAudits()).map((event) => event.details)).toContainEqual(
      expect.stringContaining('"to":"pro"'),
    );
  });

  it("a declined plan changes nothing", async () => {
    const audits = (await planAudits()).length;
    await decide({ intent: "subscribe", plan: "business" }, "decline");
    expect((await plansPage()).current.id).toBe("pro");
    expect(await planAudits()).toHaveLength(audits);
  });

  it("refuses what makes no sense in words, before asking Shopify", async () => {
    for (const [fields, words] of [
      [{ intent: "subscribe", plan: "pro" }, "already on Photo Studio Pro"],
      [{ intent: "subscribe", plan: "platinum" }, "Choose one of the plans shown"],
      [{ intent: "raiseCap", amount: "10" }, "already $20.00"],
    ] as const) {
      const response = await plansAction(fields);
      expect(response.status).toBe(422);
      expect((await response.json()).message).toContain(words);
    }
  });
});

describe("jobs through included credits into capped overage", () => {
  /** A job on the store's catalog, started as the new-job page starts it, its intake run here. */
  async function startCatalogJob() {
    const deps = jobRuntime();
    const job = await startJob(deps, TEST_SHOP, {
      selection: { query: "" },
      recipe: { preset: "amazon" },
    });
    await runIntake(deps, { shop: TEST_SHOP, jobId: job.id });
    return db.job.findUniqueOrThrow({ where: { id: job.id } });
  }

  it("buys the shortfall as usage once, warns near the cap, and pauses the job Shopify refuses at the cap", async () => {
    const available = (await creditBalance(db, TEST_SHOP)).available;
    // 400 credits beyond the balance: $20.00, the whole limit, past Shopify's 90% warning.
    const first = await creditJob(available + 400);
    expect(await holdJobCreditsWithOverage(billingDeps, TEST_SHOP, first, first.itemCount)).toEqual(
      {
        kind: "held",
      },
    );
    expect(await creditBalance(db, TEST_SHOP)).toEqual({ available: 0, held: available + 400 });
    await harness.devStore.webhooks.idle();
    const warned = await plansPage();
    expect(warned.current.usage).toMatchObject({ used: 20, cap: 20, percent: 100, warned: true });

    // The next job's images would pass the cap: Shopify refuses, and the job waits at intake
    // with nothing processed or held.
    const second = await startCatalogJob();
    expect(second).toMatchObject({ intake: "pending", intakeErrorCode: "usage_cap_reached" });
    expect(second.intakeError).toContain("$20.00 monthly spending limit");
    expect(await db.jobItem.count({ where: { jobId: second.id } })).toBe(0);
    const paused = await plansPage();
    expect(paused.current.pausedJobs).toBe(1);
    expect(paused.current.usage?.reached).toBe(true);
    expect(await creditBalance(db, TEST_SHOP)).toEqual({ available: 0, held: available + 400 });

    const usage = (await billingCalls()).filter((call) => call.mutation === "appUsageRecordCreate");
    expect(usage.map((call) => [call.key, call.chargeId !== null])).toEqual([
      [`overage:${first.id}:0`, true],
      [`overage:${second.id}:0`, false],
    ]);
  });

  it("raising the limit, approved by the merchant, resumes the waiting job, which then buys what it needs", async () => {
    const queued = async () => {
      const { waiting, delayed, active } = await jobRuntime().queue.depth(QUEUES.intake);
      return waiting + delayed + active;
    };
    const queuedBefore = await queued();
    await decide({ intent: "raiseCap", amount: "50" }, "approve");
    const view = await plansPage();
    expect(view.current.usage).toMatchObject({ cap: 50, warned: false, reached: false });
    expect(view.current.pausedJobs).toBe(0);
    const waiting = await db.job.findFirstOrThrow({
      where: { shop: TEST_SHOP, intake: "pending" },
      orderBy: { createdAt: "desc" },
    });
    expect(waiting.intakeErrorCode).toBeNull();
    // Its intake is queued again, once (on either queue backend).
    expect(await queued()).toBe(queuedBefore + 1);
    // The queued intake runs again: Shopify now takes the charge and the items exist.
    await runIntake(jobRuntime(), { shop: TEST_SHOP, jobId: waiting.id });
    const done = await db.job.findUniqueOrThrow({ where: { id: waiting.id } });
    expect(done.intake).toBe("done");
    const items = await db.jobItem.count({ where: { jobId: waiting.id } });
    expect(items).toBeGreaterThan(0);
    expect((await creditBalance(db, TEST_SHOP)).held).toBeGreaterThanOrEqual(items);
    expect((await plansPage()).current.usage!.used).toBeCloseTo(20 + items * 0.05, 2);
  });

  it("gives back failed items' credits, bought ones included, as credits that never expire", async () => {
    const job = await db.job.findFirstOrThrow({
      where: { shop: TEST_SHOP, intake: "done" },
      orderBy: { createdAt: "desc" },
    });
    const items = await db.jobItem.findMany({ where: { jobId: job.id } });
    // Every image fails (through the engine's own state changes, which settle credits).
    for (const item of items) {
      await transition(db, TEST_SHOP, item, "processing");
      await transition(db, TEST_SHOP, { ...item, status: "processing" }, "failed", "provider down");
    }
    await releaseUnusedJobCredits(db, TEST_SHOP, job.id);
    expect((await creditBalance(db, TEST_SHOP)).available).toBe(items.length);
    const bought = await db.creditLedgerEntry.findMany({
      where: { shop: TEST_SHOP, idempotencyKey: { startsWith: "overage:" } },
    });
    expect(bought.map((grant) => grant.expiresAt)).toEqual([null, null]);
  });

  it("a worker killed after Shopify charged asks again with the same key and is charged once", async () => {
    const job = await creditJob(1);
    const admin = await adminClientFor(TEST_SHOP);
    const state = await currentPlan(db, TEST_SHOP);
    // The first worker's request reached Shopify; the worker died before recording the credits.
    await admin.request(
      `#graphql
        mutation PhotoStudioTestUsage($id: ID!, $key: String!) {
          appUsageRecordCreate(
            subscriptionLineItemId: $id
            price: { amount: "0.05", currencyCode: USD }
            description: "1 credit"
            idempotencyKey: $key
          ) {
            appUsageRecord {
              id
            }
          }
        }
      `,
      { variables: { id: state.billing!.usageLineItemId, key: `overage:${job.id}:0` } },
    );
    const retried = await buyOverageCredits(db, adminClientFor, TEST_SHOP, {
      jobId: job.id,
      credits: 1,
      attempt: 0,
    });
    expect(retried.kind).toBe("bought");
    const charges = (await billingCalls()).filter(
      (call) => call.key === `overage:${job.id}:0` && call.chargeId !== null,
    );
    expect(charges).toHaveLength(2);
    expect(new Set(charges.map((call) => call.chargeId)).size).toBe(1);
    expect(
      await db.creditLedgerEntry.count({
        where: { shop: TEST_SHOP, idempotencyKey: `overage:${job.id}:0` },
      }),
    ).toBe(1);
  });
});

describe("credit packs", () => {
  it("grants a pack's credits once, after Shopify confirms the purchase, however often it is checked", async () => {
    const before = (await creditBalance(db, TEST_SHOP)).available;
    await decide({ intent: "buyPack", pack: "pack-500" }, "approve");
    await plansPage();
    await plansPage();
    expect((await creditBalance(db, TEST_SHOP)).available).toBe(before + 500);
    const grants = await db.creditLedgerEntry.findMany({
      where: { shop: TEST_SHOP, idempotencyKey: { startsWith: "pack:" } },
    });
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ amount: 500, expiresAt: null });
  });

  it("a declined pack grants nothing", async () => {
    const before = (await creditBalance(db, TEST_SHOP)).available;
    await decide({ intent: "buyPack", pack: "pack-100" }, "decline");
    await plansPage();
    expect((await creditBalance(db, TEST_SHOP)).available).toBe(before);
  });
});

describe("changing plan", () => {
  it("upgrades: the new subscription replaces the old one at once, with its own credits", async () => {
    const before = (await creditBalance(db, TEST_SHOP)).available;
    await decide({ intent: "subscribe", plan: "business" }, "approve");
    const view = await plansPage();
    expect(view.current).toMatchObject({ id: "business", includedCredits: 1500 });
    expect(view.current.usage).toMatchObject({ used: 0, cap: 100 });
    expect(view.current.available).toBe(before + 1500);
  });

  it("repeated and out-of-order subscription webhooks change nothing the API does not confirm", async () => {
    const state = await currentPlan(db, TEST_SHOP);
    const audits = (await planAudits()).length;
    const grants = await db.creditLedgerEntry.count({ where: { shop: TEST_SHOP, kind: "grant" } });
    // A late delivery about the replaced Pro subscription, twice, then the current one twice.
    const stale = {
      app_subscription: {
        admin_graphql_api_id: "gid://shopify/AppSubscription/1",
        name: "Photo Studio Pro",
        status: "ACTIVE",
      },
    };
    const current = {
      app_subscription: {
        admin_graphql_api_id: state.billing!.subscriptionId,
        name: "Photo Studio Business",
        status: "ACTIVE",
      },
    };
    for (const payload of [stale, stale, current, current]) {
      const response = await callRoute(
        billingWebhook,
        webhookRequest("app_subscriptions/update", TEST_SHOP, payload),
      );
      expect(response.status).toBe(200);
    }
    expect((await currentPlan(db, TEST_SHOP)).plan.id).toBe("business");
    expect(await planAudits()).toHaveLength(audits);
    expect(await db.creditLedgerEntry.count({ where: { shop: TEST_SHOP, kind: "grant" } })).toBe(
      grants,
    );
  });

  it("cancels back to Free; bought credits stay", async () => {
    const response = await plansAction({ intent: "cancel" });
    expect(response.status).toBe(200);
    expect((await response.json()).message).toContain("you are on Free");
    const view = await plansPage();
    expect(view.current).toMatchObject({ id: "free", usage: null });
    expect(view.current.available).toBeGreaterThanOrEqual(500);
    expect((await planAudits()).at(-1)?.details).toContain('"to":"free"');
  });

  it("never sent a billing mutation twice for one charge, except the retry after the kill above", async () => {
    const calls = (await billingCalls()).filter((call) => call.chargeId !== null);
    const byCharge = new Map<string, number>();
    for (const call of calls) {
      const id = `${call.mutation}:${call.chargeId}`;
      byCharge.set(id, (byCharge.get(id) ?? 0) + 1);
    }
    const repeated = [...byCharge].filter(([, count]) => count > 1).map(([id]) => id);
    expect(repeated).toHaveLength(1);
    expect(repeated[0]).toMatch(/^appUsageRecordCreate:/);
  });

  it("charges nothing after uninstall", async () => {
    await decide({ intent: "subscribe", plan: "pro" }, "approve");
    await plansPage();
    const response = await fetch(`${harness.devStore.url}/_dev/shops/${TEST_SHOP}/uninstall`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(200);
    await harness.devStore.webhooks.idle();
    const calls = (await billingCalls()).length;
    const job = await creditJob(5_000);
    const outcome = await holdJobCreditsWithOverage(billingDeps, TEST_SHOP, job, job.itemCount);
    expect(outcome.kind).toBe("insufficient");
    expect(await billingCalls()).toHaveLength(calls);
  });
});
