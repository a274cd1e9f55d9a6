/**
 * What the catalog health page shows: the latest audit (running, finished or failed), the score
 * of earlier runs for the trend, and each group's one-click fix as a link the new-job page already
 * understands (`?ids=…&solution=…`).
 */
import type { PrismaClient } from "@prisma/client";

import { altTextFillCreditCost } from "../billing/costs.ts";
import { MAX_SELECTED_IDS } from "../recipes/new-job.server.ts";

import { STALE_RUN_MS } from "./audit-catalog.server.ts";
import {
  AUDIT_GROUP_IDS,
  AUDIT_GROUPS,
  type AuditGroupId,
  type AuditResult,
} from "./audit-groups.ts";

/** Runs shown in the trend. */
const TREND_RUNS = 12;

export interface AuditGroupView {
  id: AuditGroupId;
  title: string;
  description: string;
  productCount: number;
  imageCount: number;
  productIds: string[];
  examples: AuditResult["groups"][AuditGroupId]["examples"];
  /** The fix: a new-job link, or the alt-text fill with its cost; null when there is none. */
  fix:
    | { kind: "job"; label: string; url: string; partial: boolean }
    | { kind: "alt-text"; label: string; credits: number }
    | null;
}

export interface AuditPageView {
  latest: {
    id: string;
    status: "running" | "completed" | "failed";
    createdAt: string;
    productsRead: number;
    error: string | null;
    score: number | null;
    productCount: number;
    imageCount: number;
    uncheckedBackgrounds: number;
    minImages: number;
    groups: AuditGroupView[];
  } | null;
  /** Completed runs, oldest first. */
  trend: Array<{ createdAt: string; score: number }>;
}

/** The new-job link that fixes a group: its products (at most a link's worth) and a solution. */
export function fixJobUrl(productIds: string[], solution: string): string {
  const params = new URLSearchParams({
    ids: productIds.slice(0, MAX_SELECTED_IDS).join(","),
    solution,
  });
  return `/app/jobs/new?${params}`;
}

export function groupViews(result: AuditResult): AuditGroupView[] {
  return AUDIT_GROUP_IDS.map((id) => {
    const info = AUDIT_GROUPS[id];
    const group = result.groups[id];
    let fix: AuditGroupView["fix"] = null;
    if (group.productIds.length > 0 && info.fix?.kind === "job") {
      fix = {
        kind: "job",
        label: info.fix.label,
        url: fixJobUrl(group.productIds, info.fix.solution),
        partial: group.productIds.length > MAX_SELECTED_IDS,
      };
    } else if (group.productIds.length > 0 && info.fix?.kind === "alt-text") {
      fix = {
        kind: "alt-text",
        label: info.fix.label,
        credits: altTextFillCreditCost(group.imageCount),
      };
    }
    return {
      id,
      title: info.title,
      description: info.description,
      productCount: group.productIds.length,
      imageCount: group.imageCount,
      productIds: group.productIds,
      examples: group.examples,
      fix,
    };
  });
}

export async function auditPageView(db: PrismaClient, shop: string): Promise<AuditPageView> {
  const [latest, completed] = await Promise.all([
    db.catalogAuditRun.findFirst({ where: { shop }, orderBy: { createdAt: "desc" } }),
    db.catalogAuditRun.findMany({
      where: { shop, status: "completed" },
      orderBy: { createdAt: "desc" },
      take: TREND_RUNS,
      select: { createdAt: true, score: true },
    }),
  ]);
  const trend = completed
    .reverse()
    .map((run) => ({ createdAt: run.createdAt.toISOString(), score: run.score ?? 0 }));
  if (!latest) return { latest: null, trend };

  const stale =
    latest.status === "running" && latest.createdAt.getTime() < Date.now() - STALE_RUN_MS;
  const status = stale ? "failed" : (latest.status as "running" | "completed" | "failed");
  const result = status === "completed" ? (JSON.parse(latest.groups) as AuditResult) : null;
  return {
    latest: {
      id: latest.id,
      status,
      createdAt: latest.createdAt.toISOString(),
      productsRead: latest.productCount,
      error: stale ? "The check stopped before it finished. Start it again." : latest.error,
      score: result?.score ?? null,
      productCount: result?.productCount ?? latest.productCount,
      imageCount: result?.imageCount ?? latest.imageCount,
      uncheckedBackgrounds: result?.uncheckedBackgrounds ?? 0,
      minImages: result?.minImages ?? 0,
      groups: result ? groupViews(result) : [],
    },
    trend,
  };
}

/** The products of a group in the shop's latest completed audit (the fill's selection). */
export async function latestGroupProducts(
  db: PrismaClient,
  shop: string,
  group: AuditGroupId,
): Promise<string[] | null> {
  const run = await db.catalogAuditRun.findFirst({
    where: { shop, status: "completed" },
    orderBy: { createdAt: "desc" },
  });
  if (!run) return null;
  return (JSON.parse(run.groups) as AuditResult).groups[group]?.productIds ?? null;
}
