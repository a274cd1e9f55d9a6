/**
 * The dependency audit CI runs after `npm ci`: npm's advisory database against the production
 * dependencies (what ships; dev tools never reach a merchant). Fails on a high or critical
 * advisory, naming each package, its severity, the advisory and whether a fix exists.
 *
 * `--allow-unavailable`: when the registry cannot answer audits at all (some mirrors and proxies
 * refuse npm's POST to /-/npm/v1/security/advisories/bulk), say so loudly and pass, rather than
 * fail every build for a reason no code change can fix. Without it, that is a failure too.
 */
import { spawnSync } from "node:child_process";

const FAILING = new Set(["high", "critical"]);
const allowUnavailable = process.argv.includes("--allow-unavailable");

interface Advisory {
  title?: string;
  url?: string;
  severity?: string;
}

interface AuditReport {
  vulnerabilities?: Record<
    string,
    { severity: string; via: Array<string | Advisory>; fixAvailable: unknown }
  >;
  metadata?: { vulnerabilities?: Record<string, number> };
  error?: { summary?: string };
  message?: string;
  statusCode?: number;
}

const run = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8" });
let report: AuditReport;
try {
  report = JSON.parse(run.stdout) as AuditReport;
} catch {
  report = { message: run.stderr.trim() || "npm audit printed no report" };
}

if (!report.vulnerabilities) {
  const reason = report.error?.summary || report.message || "unknown error";
  console.log(`DEPENDENCY AUDIT NOT RUN: the registry did not answer the audit (${reason}).`);
  process.exit(allowUnavailable ? 0 : 1);
}

const counts = report.metadata?.vulnerabilities ?? {};
const failing = Object.entries(report.vulnerabilities).filter(([, entry]) =>
  FAILING.has(entry.severity),
);
for (const [name, entry] of failing) {
  const advisories = entry.via
    .filter((via): via is Advisory => typeof via === "object")
    .map((via) => `${via.title ?? "advisory"} ${via.url ?? ""}`.trim());
  const via = advisories.length > 0 ? advisories.join("; ") : `through ${entry.via.join(", ")}`;
  const fix = entry.fixAvailable ? "fix available" : "no fix yet";
  console.log(`  ${entry.severity.padEnd(8)} ${name}: ${via} (${fix})`);
}
const summary = ["critical", "high", "moderate", "low"]
  .map((severity) => `${counts[severity] ?? 0} ${severity}`)
  .join(", ");
console.log(`dependency audit (production dependencies): ${summary}`);
process.exit(failing.length > 0 ? 1 : 0);
