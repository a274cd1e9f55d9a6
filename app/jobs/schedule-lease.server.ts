/**
 * Periodic work that runs once per period across any number of processes (web processes running
 * workers, `npm run worker` replicas): the retention purge, the write sweep.
 *
 * Periods are fixed slices of the clock (`floor(time / periodMs)`), the same in every process. A
 * run first takes the task's `ScheduleLease` row, atomically: one conditional `updateMany` (the
 * lease has expired AND no run started in this period yet), or the row's creation when there is
 * none (its primary key lets one creator win). On PostgreSQL the second of two concurrent updates
 * waits for the first's row lock and re-checks its condition on the new row, which no longer
 * matches; SQLite runs one write at a time. Either way exactly one contender wins.
 *
 * The winner renews the lease while it works (every third of `leaseMs`); when done it records the
 * run (`lastRunAt` = when it started) and lets go. One that fails lets go without recording, so
 * the next check (any process) tries again in the same period. One that dies lets go by not
 * renewing: once `expiresAt` passes, another process takes over the period's run. A run must
 * therefore be safe to repeat (both of ours are), and clocks of the processes should agree to
 * well under `leaseMs` (NTP does).
 */
import { randomUUID } from "node:crypto";

import type { PrismaClient } from "@prisma/client";

import { logger, withLogContext } from "../observability/logger.server.ts";

export interface LeaseOptions {
  /** How long a run is reserved without a renewal: how long a dead holder blocks the others. */
  leaseMs?: number;
  now?: () => Date;
}

export type LeaseOutcome =
  /** This call ran the task. */
  | "ran"
  /** The task already ran in this period (here or elsewhere). */
  | "done"
  /** Another process holds the lease right now. */
  | "held";

const DEFAULT_LEASE_MS = 60_000;

function isUniqueViolation(error: unknown) {
  return (error as { code?: string } | null)?.code === "P2002";
}

/**
 * SQLite answers "busy" at once while another connection writes (the driver adapter sets no busy
 * timeout; Prisma reports it as P1008): a few short, jittered retries stand in for one. Only
 * processes sharing one SQLite file meet this; PostgreSQL waits for its locks itself.
 */
async function whenNotBusy<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string } | null)?.code !== "P1008" || attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
    }
  }
}

/** Takes the lease for this period's run, or says why not. */
async function take(
  db: PrismaClient,
  name: string,
  token: string,
  periodStart: Date,
  now: Date,
  leaseMs: number,
): Promise<"taken" | "done" | "held"> {
  const expiresAt = new Date(now.getTime() + leaseMs);
  const { count } = await whenNotBusy(() =>
    db.scheduleLease.updateMany({
      where: {
        name,
        expiresAt: { lt: now },
        OR: [{ lastRunAt: null }, { lastRunAt: { lt: periodStart } }],
      },
      data: { holder: token, expiresAt },
    }),
  );
  if (count === 1) return "taken";
  const row = await whenNotBusy(() => db.scheduleLease.findUnique({ where: { name } }));
  if (row) return row.lastRunAt && row.lastRunAt >= periodStart ? "done" : "held";
  try {
    await whenNotBusy(() => db.scheduleLease.create({ data: { name, holder: token, expiresAt } }));
    return "taken";
  } catch (error) {
    if (isUniqueViolation(error)) return "held";
    throw error;
  }
}

/**
 * Runs `task` unless this period's run has happened or is happening in some process. `holder`
 * names this process in the row (for support); each run adds its own token, so a restarted
 * process with the same name never mistakes a dead run's lease for its own. The task's signal
 * aborts when the lease is lost (renewals failed past its expiry): another process may be running
 * it by then.
 */
export async function runOncePerPeriod(
  db: PrismaClient,
  name: string,
  periodMs: number,
  holder: string,
  task: (signal: AbortSignal) => Promise<unknown>,
  { leaseMs = DEFAULT_LEASE_MS, now = () => new Date() }: LeaseOptions = {},
): Promise<LeaseOutcome> {
  const startedAt = now();
  const periodStart = new Date(Math.floor(startedAt.getTime() / periodMs) * periodMs);
  const token = `${holder}#${randomUUID()}`;
  const taken = await take(db, name, token, periodStart, startedAt, leaseMs);
  if (taken !== "taken") return taken;

  const mine = { name, holder: token };
  const lost = new AbortController();
  const renewal = setInterval(
    () => {
      whenNotBusy(() =>
        db.scheduleLease.updateMany({
          where: mine,
          data: { expiresAt: new Date(now().getTime() + leaseMs) },
        }),
      )
        .then(({ count }) => {
          if (count === 0) lost.abort(new Error(`The lease of ${name} was lost`));
        })
        .catch((error: unknown) => logger.warn("schedule lease renewal failed", { name, error }));
    },
    Math.max(10, Math.floor(leaseMs / 3)),
  );
  renewal.unref();
  try {
    await task(lost.signal);
  } catch (error) {
    clearInterval(renewal);
    // Let go without recording the run: the next check, anywhere, tries again.
    await whenNotBusy(() =>
      db.scheduleLease.updateMany({ where: mine, data: { expiresAt: now() } }),
    );
    throw error;
  }
  clearInterval(renewal);
  await whenNotBusy(() =>
    db.scheduleLease.updateMany({ where: mine, data: { lastRunAt: startedAt, expiresAt: now() } }),
  );
  return "ran";
}

export interface LeasedScheduleOptions extends LeaseOptions {
  name: string;
  periodMs: number;
  holder: string;
  run: (signal: AbortSignal) => Promise<unknown>;
  /** The first check after start (a process just started gives its other work a head start). */
  firstCheckMs?: number;
  /** How often this process asks whether the period's run is due (default: a minute or less). */
  checkEveryMs?: number;
  onError?: (error: unknown) => void;
}

export interface LeasedSchedule {
  stop(): void;
  /** The run (or check) in progress in this process, if any: shutdown waits for it. */
  running(): Promise<void>;
}

/**
 * Checks every `checkEveryMs` whether the period's run is due and runs it under the lease; never
 * two checks at once in this process. The timers are unref'd so they never keep a process alive.
 */
export function startLeasedSchedule(db: PrismaClient, options: LeasedScheduleOptions) {
  const {
    name,
    periodMs,
    holder,
    run,
    firstCheckMs = 0,
    checkEveryMs = Math.min(periodMs, 60_000),
    onError = (error: unknown) => logger.error("scheduled task failed", { error }),
    ...lease
  } = options;
  let current: Promise<void> | null = null;
  let stopped = false;
  let interval: ReturnType<typeof setInterval> | null = null;
  const check = () => {
    if (current || stopped) return;
    current = withLogContext({ schedule: name }, () =>
      runOncePerPeriod(db, name, periodMs, holder, run, lease).then(() => undefined, onError),
    ).finally(() => {
      current = null;
    });
  };
  const first = setTimeout(() => {
    check();
    interval = setInterval(check, checkEveryMs);
    interval.unref();
  }, firstCheckMs);
  first.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(first);
      if (interval) clearInterval(interval);
    },
    running: () => current ?? Promise.resolve(),
  } satisfies LeasedSchedule;
}
