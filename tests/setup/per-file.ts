import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import { afterAll, inject } from "vitest";

import { routeShopifyTrafficTo } from "../../emulators/shopify/route-to-dev-store";
import { TEST_APP_ENV } from "../support/test-env";

import { prepareScaleStack } from "./scale-stack";

// Wrap fetch before anything imports @shopify/shopify-api (its node adapter keeps the fetch it
// finds): test files that start a dev store then point the wrapper at it.
routeShopifyTrafficTo(null);

if (process.env.TEST_STACK === "scale") {
  // The "scale" project (vitest.config.ts): the same tests with the configuration of a deployment
  // at scale, each file with its own PostgreSQL schema, Redis queue prefix and storage bucket.
  const stack = await prepareScaleStack();
  Object.assign(process.env, TEST_APP_ENV, stack.env);
  afterAll(stack.dispose);
} else {
  // Each test file gets its own copy of the migrated SQLite database, so files never see each
  // other's rows and can run in parallel.
  const databaseFile = path.join(
    path.dirname(inject("sqliteTemplate")),
    `file-${randomBytes(6).toString("hex")}.sqlite`,
  );
  fs.copyFileSync(inject("sqliteTemplate"), databaseFile);

  Object.assign(process.env, TEST_APP_ENV, { DATABASE_URL: `file:${databaseFile}` });

  afterAll(() => {
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(databaseFile + suffix, { force: true });
  });
}
