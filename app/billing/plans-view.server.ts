/**
 * The plans page's data: the plan comparison, the shop's plan with this period's credits and
 * overage against its spending limit, credit packs, the price list, and the credit history with a
 * line per job event.
 */
import type { PrismaClient } from "@prisma/client";

import { PAUSED_AT_CAP } from "../jobs/paused-jobs.server.ts";

import { CREDIT_COSTS, formatCredits, type CreditOperation } from "./costs.ts";
import { creditSummary, ledgerHistory } from "./ledger.server.ts";
import { cents, currentPlan } from "./plan-state.server.ts";
import { CREDIT_PACKS, PLANS, type CreditPlan } from "./plans.server.ts";
import { CAP_CHOICES } from "./plan-actions.server.ts";

export const LEDGER_PAGE_SIZE = 25;

const money = (amount: number) => `$${amount.toFixed(amount % 1 === 0 ? 0 : 2)}`;

function priceLabel(plan: CreditPlan) {
  if (plan.interval === "free") return "Free";
  return `${money(plan.price)} ${plan.interval === "annual" ? "per year" : "every 30 days"}`;
}

function overageLabel(plan: CreditPlan) {
  return plan.overage
    ? `Then $${plan.overage.pricePerCredit.toFixed(2)} a credit, up to a limit you set (from ${money(plan.overage.cappedAmount)} per 30 days)`
    : "No charges beyond the plan: buy a credit pack when you need more";
}

const OPERATION_LABELS: Record<CreditOperation, string> = {
  "remove-background": "Background removal",
  upscale: "AI upscale",
  scene: "AI product scene (includes its cut-out)",
  erase: "Magic eraser",
  "alt-text": "Alt text",
  edit: "Crop, pad, resize, format, compression, marketplace framing",
};

export async function plansView(
  db: PrismaClient,
  shop: string,
  { cursor, now = new Date() }: { cursor?: string | null; now?: Date } = {},
) {
  const [summary, state, ledger, paused] = await Promise.all([
    creditSummary(db, shop, now),
    currentPlan(db, shop, now),
    ledgerHistory(db, shop, { take: LEDGER_PAGE_SIZE, cursor }),
    db.job.count({ where: { shop, intake: "pending", intakeErrorCode: PAUSED_AT_CAP } }),
  ]);
  const { plan, billing } = state;
  const usage =
    plan.overage && billing?.usageLineItemId
      ? {
          used: cents(billing.balanceUsed) / 100,
          cap: cents(billing.cappedAmount) / 100,
          percent: Math.min(
            100,
            Math.round(
              (cents(billing.balanceUsed) / Math.max(1, cents(billing.cappedAmount))) * 100,
            ),
          ),
          warned: billing.capWarnedAt !== null,
          reached: billing.capReachedAt !== null,
          higherCaps: CAP_CHOICES.filter((cap) => cap > cents(billing.cappedAmount) / 100),
        }
      : null;
  return {
    current: {
      id: plan.id,
      name: plan.name,
      price: priceLabel(plan),
      test: billing?.test ?? false,
      includedCredits: plan.monthlyCredits,
      periodLabel: state.period.label,
      periodEndsAt: state.period.end.toISOString(),
      available: summary.available,
      held: summary.held,
      usage,
      pausedJobs: paused,
    },
    plans: PLANS.map((candidate) => ({
      id: candidate.id,
      name: candidate.name,
      price: priceLabel(candidate),
      credits: `${candidate.monthlyCredits.toLocaleString("en-US")} credits every ${candidate.interval === "free" ? "month" : "30 days"}`,
      overage: overageLabel(candidate),
      trial: candidate.trialDays > 0 ? `${candidate.trialDays}-day free trial` : null,
      current: candidate.id === plan.id,
    })),
    packs: CREDIT_PACKS.map((pack) => ({
      id: pack.id,
      name: pack.name,
      credits: pack.credits,
      price: money(pack.price),
    })),
    costs: (Object.keys(CREDIT_COSTS) as CreditOperation[]).map((operation) => ({
      label: OPERATION_LABELS[operation],
      cost: formatCredits(CREDIT_COSTS[operation]),
    })),
    ledger: {
      entries: ledger.entries.map((entry) => ({
        id: entry.id,
        at: entry.createdAt.toISOString(),
        kind: entry.kind,
        description: entry.description,
        amount: entry.amount,
        jobId: entry.jobId,
      })),
      nextCursor: ledger.nextCursor,
    },
  };
}

export type PlansView = Awaited<ReturnType<typeof plansView>>;
