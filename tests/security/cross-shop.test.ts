/**
 * Shop B's valid session asking for shop A's things by id. Per-route tests already cover the job,
 * review and progress pages, history restores, the extension's job status and file links (see
 * tests/routes/*, tests/extensions/api-endpoints.test.ts, tests/storage/signed-url.test.ts); this
 * file holds the rest of issue #9's list, and the rule they share: a foreign id answers exactly like
 * a missing one, so not even its existence leaks.
 */
import fs from "node:fs";

import type { LoaderFunctionArgs } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { recordAudit } from "~/audit/audit.server";
import db from "~/db.server";
import { getEnv } from "~/env.server";
import { loader as extensionJobLoader } from "~/routes/api.extensions.jobs.$jobId";
import { loader as dataLoader } from "~/routes/app.data";
import { loader as exportLoader } from "~/routes/app.data.export";
import { loader as historyLoader } from "~/routes/app.history";
import { loader as progressLoader } from "~/routes/app.jobs.$jobId.progress";
import { storageFor } from "~/storage/object-storage.server";

import { adminGet, installShops } from "../review/requests";
import { storedJob } from "../retention/support";
import { callRoute } from "../support/shopify-requests";

const storageDir = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/photo-studio-cross-shop-${process.pid}-${Date.now()}`;
  process.env.STORAGE_DIR = dir;
  return dir;
});

const A = "cross-shop-a.myshopify.com";
const B = "cross-shop-b.myshopify.com";
/** Every id of shop A that B might try, and A's own domain. */
let secretsOfA: string[] = [];
let jobOfA = "";

beforeAll(async () => {
  await installShops(A, B);
  const now = new Date();
  const { job, items } = await storedJob(db, storageFor(getEnv()), A, [
    {
      status: "written",
      createdAt: now,
      variant: { review: "approved", createdAt: now },
      writeBack: { state: "written", writtenAt: now },
    },
  ]);
  const ledger = await db.creditLedgerEntry.create({
    data: {
      shop: A,
      kind: "grant",
      amount: 40,
      source: "pack",
      description: "40 credits bought",
      idempotencyKey: "pack:a",
    },
  });
  const audit = await recordAudit(db, A, {
    action: "job.started",
    actor: "merchant",
    subjectType: "job",
    subjectId: job.id,
  });
  jobOfA = job.id;
  const item = items[0]!;
  secretsOfA = [A, job.id, item.id, item.variant!.id, ledger.id, audit.id];
  await storedJob(db, storageFor(getEnv()), B, [{ status: "canceled", createdAt: now }]);
});

afterAll(() => fs.rmSync(storageDir, { recursive: true, force: true }));

const withJobId =
  (loader: (args: LoaderFunctionArgs) => unknown, jobId: string) => (args: LoaderFunctionArgs) =>
    loader({ ...args, params: { jobId } });

async function asB(loader: (args: LoaderFunctionArgs) => unknown, path: string) {
  const response = await callRoute(loader, await adminGet(path, B));
  return { status: response.status, body: await response.text() };
}

function expectNothingOfA(body: string) {
  for (const value of secretsOfA) expect(body).not.toContain(value);
}

describe("shop B's session", () => {
  it("gets A's job progress exactly as a missing job's", async () => {
    const foreign = await asB(withJobId(progressLoader, jobOfA), `/app/jobs/${jobOfA}/progress`);
    const missing = await asB(withJobId(progressLoader, "nope"), "/app/jobs/nope/progress");
    expect(foreign.status).toBe(404);
    expect(foreign).toEqual(missing);
  });

  it("gets A's job status through the extension API exactly as a missing job's", async () => {
    const foreign = await asB(
      withJobId(extensionJobLoader, jobOfA),
      `/api/extensions/jobs/${jobOfA}`,
    );
    const missing = await asB(withJobId(extensionJobLoader, "nope"), "/api/extensions/jobs/nope");
    expect(foreign.status).toBe(404);
    expect(foreign).toEqual(missing);
  });

  it("sees history filtered to A's job exactly as filtered to a missing job: empty", async () => {
    const foreign = await asB(historyLoader, `/app/history?jobId=${jobOfA}`);
    const missing = await asB(historyLoader, "/app/history?jobId=nope");
    // The filter echoes the id B sent; apart from that, the two answers are the same.
    const echoRemoved = foreign.body.replaceAll(jobOfA, "nope");
    expect({ ...foreign, body: echoRemoved }).toEqual(missing);
    expectNothingOfA(echoRemoved);
  });

  it("exports none of A's jobs, results, ledger entries or activity", async () => {
    const response = await asB(exportLoader, "/app/data/export");
    expect(response.status).toBe(200);
    expect(response.body).toContain(B);
    expectNothingOfA(response.body);
  });

  it("sees none of A's jobs, products or activity on the Your data page", async () => {
    const response = await asB(dataLoader, "/app/data");
    expect(response.status).toBe(200);
    expectNothingOfA(response.body);
  });
});
