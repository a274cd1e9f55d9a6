import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import { afterAll, inject } from "vitest";

import { TEST_APP_ENV } from "../support/test-env";

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
