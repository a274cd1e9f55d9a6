import fs from "node:fs";
import { createRequire } from "node:module";

import type { Frame, Page } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** What fails the studio's accessibility bar: axe's two highest impacts. */
const BLOCKING = new Set(["serious", "critical"]);

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: string[]; failureSummary: string }>;
}

interface AxeResults {
  violations: Array<{
    id: string;
    impact?: string | null;
    help: string;
    helpUrl: string;
    nodes: Array<{ target: unknown[]; failureSummary?: string }>;
  }>;
}

declare global {
  interface Window {
    axe?: { run(context: Document, options: object): Promise<AxeResults> };
  }
}

/**
 * Runs axe-core (WCAG 2.1 A and AA, and axe's best practices) on the document of `target`, the
 * app's frame or a page, and returns the serious and critical violations. The script is evaluated
 * through the DevTools protocol, so the app's Content-Security-Policy does not stand in the way.
 */
export async function seriousAxeViolations(target: Frame | Page): Promise<AxeViolation[]> {
  const loaded = await target.evaluate(() => typeof window.axe !== "undefined");
  if (!loaded) await target.evaluate(AXE_SOURCE);
  const results = await target.evaluate(() =>
    window.axe!.run(document, {
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
      },
      resultTypes: ["violations"],
    }),
  );
  return results.violations
    .filter((violation) => BLOCKING.has(violation.impact ?? ""))
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      helpUrl: violation.helpUrl,
      nodes: violation.nodes.map((node) => ({
        target: node.target.map(String),
        failureSummary: node.failureSummary ?? "",
      })),
    }));
}

/** A violation list as a message a failing test can print. */
export function describeViolations(page: string, violations: AxeViolation[]): string {
  return [
    `${page}: ${violations.length} serious or critical accessibility violations`,
    ...violations.map(
      (violation) =>
        `- [${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})\n` +
        violation.nodes
          .slice(0, 5)
          .map((node) => `    ${node.target.join(" ")}: ${node.failureSummary.replace(/\n/g, " ")}`)
          .join("\n"),
    ),
  ].join("\n");
}
