import { describe, expect, it } from "vitest";

import { AuditDetailsError, assertAuditDetails, auditLog, recordAudit } from "~/audit/audit.server";
import db from "~/db.server";

let counter = 0;
const newShop = () => `audit-${Date.now().toString(36)}-${(counter += 1)}.myshopify.com`;

describe("what an audit record may hold", () => {
  it("accepts ids, counts, codes and lists of them", () => {
    expect(() =>
      assertAuditDetails({
        jobId: "clx1a2b3c",
        productId: "gid://shopify/Product/12",
        images: 12,
        autoApprove: false,
        preset: "amazon",
        itemIds: ["a1", "b2"],
        reason: null,
        sessions: 2,
      }),
    ).not.toThrow();
  });

  it.each([
    ["a sentence", { reason: "the merchant asked for it" }],
    ["an email address", { contact: "jane@example.com" }],
    ["a field named for personal data", { customerEmail: "x" }],
    ["a prompt", { prompt: "red" }],
    ["a token", { accessToken: "shpat_123" }],
    ["a session id", { sessions: ["offline_a"] }],
    ["a product title", { productTitle: "Mug" }],
    ["a nested object", { nested: { id: "a" } }],
    ["a key that is not a plain name", { "bad key": 1 }],
    ["an infinite number", { count: Number.POSITIVE_INFINITY }],
  ])("refuses %s", (_label, details) => {
    expect(() => assertAuditDetails(details)).toThrow(AuditDetailsError);
  });

  it("refuses to record an unknown action or a subject id that is free text", async () => {
    const shop = newShop();
    await expect(
      recordAudit(db, shop, { action: "made.up" as never, actor: "merchant" }),
    ).rejects.toBeInstanceOf(AuditDetailsError);
    await expect(
      recordAudit(db, shop, {
        action: "job.started",
        actor: "merchant",
        subjectType: "job",
        subjectId: "Jane Doe",
      }),
    ).rejects.toBeInstanceOf(AuditDetailsError);
    expect(await db.auditEvent.count({ where: { shop } })).toBe(0);
  });
});

describe("the audit log", () => {
  it("records an event and reads it back with its details", async () => {
    const shop = newShop();
    await recordAudit(db, shop, {
      action: "job.started",
      actor: "merchant",
      subjectType: "job",
      subjectId: "job123",
      details: { images: 3, preset: "amazon" },
    });
    const { events, nextCursor } = await auditLog(db, shop, { take: 10 });
    expect(nextCursor).toBeNull();
    expect(events).toMatchObject([
      {
        action: "job.started",
        actor: "merchant",
        subjectType: "job",
        subjectId: "job123",
        details: { images: 3, preset: "amazon" },
      },
    ]);
  });

  it("pages newest first and shows nothing of another shop, not even through a cursor", async () => {
    const shop = newShop();
    const other = newShop();
    const base = Date.now();
    for (let index = 0; index < 5; index += 1) {
      await recordAudit(
        db,
        shop,
        { action: "images.written", actor: "system", details: { images: index } },
        new Date(base + index * 1000),
      );
    }
    const foreign = await recordAudit(db, other, { action: "job.started", actor: "merchant" });
    const first = await auditLog(db, shop, { take: 2 });
    expect(first.events.map((event) => event.details.images)).toEqual([4, 3]);
    const second = await auditLog(db, shop, { take: 2, cursor: first.nextCursor });
    expect(second.events.map((event) => event.details.images)).toEqual([2, 1]);
    const third = await auditLog(db, shop, { take: 2, cursor: second.nextCursor });
    expect(third.events.map((event) => event.details.images)).toEqual([0]);
    expect(third.nextCursor).toBeNull();
    expect(await auditLog(db, shop, { take: 2, cursor: foreign.id })).toEqual({
      events: [],
      nextCursor: null,
    });
  });
});

describe("the erasure's own record", () => {
  it("is the one audit row left after shop/redact, holding counts only", async () => {
    const { eraseShop } = await import("~/models/shop.server");
    const shop = newShop();
    await recordAudit(db, shop, { action: "job.started", actor: "merchant", subjectId: "j1" });
    await eraseShop(db, shop);
    await eraseShop(db, shop);
    const rows = await db.auditEvent.findMany({ where: { shop } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: "shop.erased", actor: "system", subjectId: null });
    expect(Object.values(JSON.parse(rows[0]!.details)).every((v) => typeof v === "number")).toBe(
      true,
    );
  });
});
