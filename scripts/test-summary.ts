/**
 * Prints the test run's outcome as one plain line ("vitest: N passed, N failed, N skipped") from
 * the JSON report vitest writes (see vitest.config.ts), for CI logs and tools that read them.
 */
import { existsSync, readFileSync } from "node:fs";

const REPORT = ".cache/test-results.json";

if (!existsSync(REPORT)) {
  console.log("vitest: no report (the test run did not start: see typecheck or lint above)");
  process.exit(0);
}
const report = JSON.parse(readFileSync(REPORT, "utf8")) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
};
console.log(
  `vitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
);
