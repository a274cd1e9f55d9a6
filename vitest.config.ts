import path from "node:path";

import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: { "~": path.resolve(import.meta.dirname, "app") },
  },
  test: {
    include: ["tests/**/*.test.{ts,tsx}"],
    globalSetup: ["tests/setup/global-setup.ts"],
    setupFiles: ["tests/setup/per-file.ts"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The JSON report feeds the one-line summary CI prints (.ci/run).
    reporters: ["default", ["json", { outputFile: ".cache/test-results.json" }]],
  },
});
