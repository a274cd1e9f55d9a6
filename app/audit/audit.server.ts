/**
 * The audit log: what happened in a shop that its merchant can see or asked for (jobs started,
 * images written or restored, data deleted, retention purges). A record holds codes, ids and
 * counts only: `details` is checked before it is stored, so free text (a prompt, a title, an
 * email) can never end up in a log that outlives the data it describes. Records are kept
 * AUDIT_RETENTION_DAYS and erased with the shop, except the erasure's own record.
 */
import type { PrismaClient } from "@prisma/client";

import { AUDIT_ACTIONS, AUDIT_ACTORS, type AuditAction, type AuditActor } from "./words.ts";

export { AUDIT_ACTIONS, type AuditAction, type AuditActor } from "./words.ts";

/** How long audit records are kept before the retention purge removes them. */
export const AUDIT_RETENTION_DAYS = 365;

export type AuditValue = string | number | boolean | null;
export type AuditDetails = Record<string, AuditValue | AuditValue[]>;

export interface AuditInput {
  action: AuditAction;
  actor: AuditActor;
  subjectType?: string | null;
  subjectId?: string | null;
  details?: AuditDetails;
}

export interface AuditEventView {
  id: string;
  action: string;
  actor: string;
  subjectType: string | null;
  subjectId: string | null;
  details: AuditDetails;
  at: Date;
}

/** A record that would hold something other than ids, counts and codes: a bug in the caller. */
export class AuditDetailsError extends Error {
  override name = "AuditDetailsError";
}

const KEY = /^[a-zA-Z][a-zA-Z0-9]{0,39}$/;
/**
 * Ids (cuids, Shopify GIDs, shop domains) and codes: no spaces and no "@", so no sentence, name or
 * email address fits.
 */
const TOKEN = /^[A-Za-z0-9._:/-]{1,200}$/;
/** Names whose text would be personal data or a secret whatever it looks like (counts are fine). */
const FORBIDDEN_KEYS =
  /(email|name|phone|address|token|secret|password|session|prompt|title|customer)/i;
const MAX_KEYS = 30;
const MAX_LIST = 100;

function checkValue(key: string, value: unknown): void {
  if (value === null || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new AuditDetailsError(`Audit detail ${key} is not finite`);
    return;
  }
  if (typeof value === "string") {
    if (!TOKEN.test(value)) {
      throw new AuditDetailsError(`Audit detail ${key} is not an id or a code`);
    }
    return;
  }
  throw new AuditDetailsError(`Audit detail ${key} is not an id, a count or a code`);
}

/** Throws AuditDetailsError unless `details` is a flat map of ids, counts, codes (or lists of them). */
export function assertAuditDetails(details: unknown): asserts details is AuditDetails {
  if (details === null || typeof details !== "object" || Array.isArray(details)) {
    throw new AuditDetailsError("Audit details must be an object");
  }
  const entries = Object.entries(details);
  if (entries.length > MAX_KEYS) throw new AuditDetailsError("Too many audit details");
  for (const [key, value] of entries) {
    if (!KEY.test(key)) {
      throw new AuditDetailsError(`Audit detail name ${JSON.stringify(key)} is not allowed`);
    }
    // A count of sessions is fine; a session id, a name or a token under such a name is not.
    const values = Array.isArray(value) ? value : [value];
    if (FORBIDDEN_KEYS.test(key) && values.some((element) => typeof element === "string")) {
      throw new AuditDetailsError(`Audit detail ${JSON.stringify(key)} may only hold counts`);
    }
    if (Array.isArray(value)) {
      if (value.length > MAX_LIST) throw new AuditDetailsError(`Audit detail ${key} is too long`);
      for (const element of value) checkValue(key, element);
    } else {
      checkValue(key, value);
    }
  }
}

function checkToken(what: string, value: string | null | undefined) {
  if (value === null || value === undefined) return null;
  if (!TOKEN.test(value)) throw new AuditDetailsError(`Audit ${what} is not an id or a code`);
  return value;
}

type AuditDb = Pick<PrismaClient, "auditEvent">;

/** Records one event of `shop`; throws AuditDetailsError for anything but ids, counts and codes. */
export async function recordAudit(
  db: AuditDb,
  shop: string,
  { action, actor, subjectType, subjectId, details = {} }: AuditInput,
  at: Date = new Date(),
) {
  if (!(AUDIT_ACTIONS as readonly string[]).includes(action)) {
    throw new AuditDetailsError(`Unknown audit action ${JSON.stringify(action)}`);
  }
  if (!(AUDIT_ACTORS as readonly string[]).includes(actor)) {
    throw new AuditDetailsError(`Unknown audit actor ${JSON.stringify(actor)}`);
  }
  assertAuditDetails(details);
  return db.auditEvent.create({
    data: {
      shop,
      action,
      actor,
      subjectType: checkToken("subject type", subjectType),
      subjectId: checkToken("subject id", subjectId),
      details: JSON.stringify(details),
      at,
    },
  });
}

function view(row: {
  id: string;
  action: string;
  actor: string;
  subjectType: string | null;
  subjectId: string | null;
  details: string;
  at: Date;
}): AuditEventView {
  let details: AuditDetails = {};
  try {
    details = JSON.parse(row.details) as AuditDetails;
  } catch {
    // Written by recordAudit as JSON; a damaged row still shows its action and time.
  }
  return { ...row, details };
}

/** The shop's audit log, newest first; `cursor` is the last id of the previous page. */
export async function auditLog(
  db: AuditDb,
  shop: string,
  { take, cursor }: { take: number; cursor?: string | null },
): Promise<{ events: AuditEventView[]; nextCursor: string | null }> {
  const size = Math.min(Math.max(Math.trunc(take) || 1, 1), 500);
  const after = cursor
    ? await db.auditEvent.findFirst({ where: { id: cursor, shop }, select: { id: true, at: true } })
    : null;
  if (cursor && !after) return { events: [], nextCursor: null };
  const rows = await db.auditEvent.findMany({
    where: {
      shop,
      ...(after ? { OR: [{ at: { lt: after.at } }, { at: after.at, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: size + 1,
  });
  const page = rows.slice(0, size).map(view);
  return {
    events: page,
    nextCursor: rows.length > size ? (page[page.length - 1]?.id ?? null) : null,
  };
}

/** Removes every shop's records older than the audit period; answers how many went. */
export async function purgeAuditEvents(db: AuditDb, now: Date = new Date()) {
  const cutoff = new Date(now.getTime() - AUDIT_RETENTION_DAYS * 86_400_000);
  const { count } = await db.auditEvent.deleteMany({ where: { at: { lt: cutoff } } });
  return count;
}
