import path from "node:path";

import { defineConfig } from "vitest/config";

/**
 * The integration tests that also run with the configuration of a deployment at scale
 * (PostgreSQL, BullMQ on Redis, S3-compatible storage: tests/setup/scale-stack.ts). The job engine's
 * own tests (tests/jobs) run both backends themselves, in the default project.
 */
const SCALE_STACK_TESTS = [
  "integration",
  "routes",
  "billing",
  "retention",
  "security",
  "extensions",
  "recipes",
  "catalog",
  "settings",
].map((folder) => `tests/${folder}/**/*.test.{ts,tsx}`);

export default defineConfig({
  resolve: {
    alias: { "~": path.resolve(import.meta.dirname, "app") },
  },
  test: {
    globalSetup: ["tests/setup/global-setup.ts"],
    setupFiles: ["tests/setup/per-file.ts"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The JSON report feeds the one-line summary CI prints (.ci/run).
    reporters: ["default", ["json", { outputFile: ".cache/test-results.json" }]],
    projects: [
      {
        extends: true,
        test: { name: "embedded", include: ["tests/**/*.test.{ts,tsx}"] },
      },
      {
        extends: true,
        test: { name: "scale", include: SCALE_STACK_TESTS, env: { TEST_STACK: "scale" } },
      },
    ],
  },
});
