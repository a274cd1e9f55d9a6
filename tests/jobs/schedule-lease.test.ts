import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

import type { PrismaClient } from "@prisma/client";
import { afterAll, describe, expect, it } from "vitest";

import { createPrismaClient } from "~/db/client.server";
import { runOncePerPeriod, type LeaseOutcome } from "~/jobs/schedule-lease.server";

import { migratedDatabase, providers } from "../support/databases";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOUR = 3_600_000;

describe.each(providers)("schedule leases on $name", ({ name: provider, skip }) => {
  // Several clients, so contenders race through separate connections as separate processes do.
  const clients: PrismaClient[] = [];
  const client = () => {
    const db = createPrismaClient(migratedDatabase(provider));
    clients.push(db);
    return db;
  };
  const schedule = () => `test-${randomBytes(5).toString("hex")}`;
  afterAll(async () => {
    for (const db of clients) await db.$disconnect();
  });

  it.skipIf(skip)("lets exactly one of many concurrent contenders run in each period", async () => {
    const dbs = [client(), client(), client(), client()];
    const name = schedule();
    const runs: string[] = [];
    // Periods are slices of the clock; three consecutive hours, twelve contenders in each.
    for (const hour of [10, 11, 12]) {
      const now = () => new Date(Date.UTC(2026, 11, 3, hour, 30));
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          runOncePerPeriod(
            dbs[i % dbs.length]!,
            name,
            HOUR,
            `contender-${i}`,
            async () => {
              runs.push(`${hour}:${i}`);
              await sleep(50);
            },
            { now },
          ),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === "ran")).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome !== "ran").sort()).toEqual(
        outcomes
          .filter((outcome) => outcome !== "ran")
          .map(() => expect.stringMatching(/^(held|done)$/)),
      );
      // A latecomer in the same period finds the run done.
      expect(
        await runOncePerPeriod(dbs[0]!, name, HOUR, "late", async () => void runs.push("late"), {
          now,
        }),
      ).toBe("done");
    }
    expect(runs.map((run) => run.split(":")[0])).toEqual(["10", "11", "12"]);
  });

  it.skipIf(skip)("runs again in the same period after a run that failed", async () => {
    const db = client();
    const name = schedule();
    await expect(
      runOncePerPeriod(db, name, HOUR, "a", async () => {
        throw new Error("storage is down");
      }),
    ).rejects.toThrow("storage is down");
    let ran = false;
    expect(await runOncePerPeriod(db, name, HOUR, "b", async () => void (ran = true))).toBe("ran");
    expect(ran).toBe(true);
  });

  it.skipIf(skip)("takes over a lease whose holder stopped renewing once it expires", async () => {
    const db = client();
    const name = schedule();
    // What a holder that died leaves behind: a lease nobody renews, and no run recorded.
    await db.scheduleLease.create({
      data: { name, holder: "dead-host:1#run", expiresAt: new Date(Date.now() + 400) },
    });
    const task = async () => undefined;
    expect(await runOncePerPeriod(db, name, HOUR, "b", task)).toBe("held");
    await sleep(450);
    expect(await runOncePerPeriod(db, name, HOUR, "b", task)).toBe("ran");
    const row = await db.scheduleLease.findUniqueOrThrow({ where: { name } });
    expect(row.holder).toMatch(/^b#/);
    expect(row.lastRunAt).not.toBeNull();
  });

  it.skipIf(skip)(
    "is blocked by a process killed mid-run only until its lease expires",
    async () => {
      const db = client();
      const name = schedule();
      const leaseMs = 1_500;
      // A real process takes the lease, starts its run and is killed: no clean-up of any kind.
      const holder = spawn(
        process.execPath,
        [
          "--import",
          "./scripts/runtime/register.ts",
          "--input-type=module",
          "-e",
          `
          import { createPrismaClient } from "./app/db/client.server.ts";
          import { resolveDatabaseTarget } from "./app/db/database-url.ts";
          import { runOncePerPeriod } from "./app/jobs/schedule-lease.server.ts";
          const db = createPrismaClient(resolveDatabaseTarget(process.env.LEASE_DB));
          // Alive as a server is (the lease's own timer never keeps a process up).
          setInterval(() => {}, 1000);
          await runOncePerPeriod(db, process.env.LEASE_NAME, ${HOUR}, "doomed", async () => {
            console.log("running");
            await new Promise(() => {});
          }, { leaseMs: ${leaseMs} });
          `,
        ],
        {
          env: {
            PATH: process.env.PATH ?? "",
            NODE_ENV: "test",
            LEASE_DB: migratedDatabase(provider).url,
            LEASE_NAME: name,
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let output = "";
      holder.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("running")) resolve();
        });
        holder.on("exit", () => reject(new Error(`The holder exited early: ${output}`)));
      });
      holder.on("exit", (code, signal) => {
        if (signal !== "SIGKILL") output += `\nexited early (${code})`;
      });
      // Running and renewing: others are kept out, however long it takes.
      await sleep(leaseMs + 300);
      const task = async () => undefined;
      expect(await runOncePerPeriod(db, name, HOUR, "survivor", task), output).toBe("held");
      const killedAt = Date.now();
      holder.kill("SIGKILL");
      let outcome: LeaseOutcome = "held";
      while (outcome === "held" && Date.now() - killedAt < leaseMs * 3) {
        await sleep(100);
        outcome = await runOncePerPeriod(db, name, HOUR, "survivor", task);
      }
      expect(outcome).toBe("ran");
      // Taken over after the lease (at most one renewal interval old) ran out, not before.
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(leaseMs * (2 / 3) - 100);
      expect(Date.now() - killedAt).toBeLessThan(leaseMs + 1_000);
    },
    30_000,
  );
});
