import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { createClient, type Client } from "@libsql/client";
import { afterAll, afterEach, describe, expect, it } from "vitest";

import { createPrismaClient } from "~/db/client.server";
import { oneConnectionClient } from "~/db/libsql-one-connection";

import { migratedDatabase } from "../support/databases";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-one-connection-"));
let counter = 0;
const clients: Client[] = [];

/** A fresh database file, in WAL mode (as migrations leave it) unless asked otherwise. */
async function database(journal: "wal" | "delete" = "wal") {
  const url = `file:${path.join(dir, `db-${counter++}.sqlite`)}`;
  const setup = createClient({ url });
  await setup.execute(`PRAGMA journal_mode = ${journal}`);
  setup.close();
  const client = oneConnectionClient(createClient({ url }));
  clients.push(client);
  return client;
}

/** A temporary table lives on its connection only: it is still there if the connection is. */
async function markConnection(client: Client) {
  await client.execute("CREATE TEMP TABLE connection_marker (x INTEGER)");
}
async function sameConnection(client: Client) {
  const rows = await client.execute(
    "SELECT count(*) AS n FROM temp.sqlite_master WHERE name = 'connection_marker'",
  );
  return Number(rows.rows[0]!.n) === 1;
}

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("one SQLite connection for the Prisma adapter", () => {
  it("keeps its connection across transactions (plain @libsql/client opens a new one)", async () => {
    const plainUrl = `file:${path.join(dir, "plain.sqlite")}`;
    const plain = createClient({ url: plainUrl });
    await markConnection(plain);
    await (await plain.transaction("deferred")).commit();
    expect(await sameConnection(plain)).toBe(false);
    plain.close();

    const client = await database();
    await markConnection(client);
    await client.execute("CREATE TABLE t (x INTEGER)");
    const tx = await client.transaction("deferred");
    await tx.execute({ sql: "INSERT INTO t VALUES (?)", args: [1] });
    await tx.commit();
    const rolledBack = await client.transaction("write");
    await rolledBack.execute("INSERT INTO t VALUES (2)");
    await rolledBack.rollback();
    expect(rolledBack.closed).toBe(true);
    expect(await sameConnection(client)).toBe(true);
    expect((await client.execute("SELECT x FROM t")).rows.map((row) => row.x)).toEqual([1]);
  });

  it("syncs at checkpoints in WAL mode, and at every commit otherwise", async () => {
    const wal = await database("wal");
    expect((await wal.execute("PRAGMA synchronous")).rows[0]![0]).toBe(1); // NORMAL
    const rollbackJournal = await database("delete");
    expect((await rollbackJournal.execute("PRAGMA synchronous")).rows[0]![0]).toBe(2); // FULL
  });

  it("ends a transaction whose COMMIT fails, so the next one starts clean", async () => {
    const client = await database();
    await client.executeMultiple(`
      PRAGMA foreign_keys = ON;
      CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE child (
        id INTEGER PRIMARY KEY,
        parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED
      );
    `);
    const tx = await client.transaction("deferred");
    await tx.execute("INSERT INTO child VALUES (1, 42)");
    await expect(tx.commit()).rejects.toThrow(/FOREIGN KEY/);
    expect(tx.closed).toBe(true);
    await expect(tx.execute("SELECT 1")).rejects.toThrow(/closed/);

    const next = await client.transaction("deferred");
    await next.execute("INSERT INTO parent VALUES (42)");
    await next.execute("INSERT INTO child VALUES (2, 42)");
    await next.commit();
    expect((await client.execute("SELECT id FROM child")).rows.map((row) => row.id)).toEqual([2]);
  });

  it("commits again after meeting another connection's lock", async () => {
    const url = `file:${path.join(dir, "shared.sqlite")}`;
    const setup = createClient({ url });
    await setup.execute("PRAGMA journal_mode = wal");
    await setup.execute("CREATE TABLE t (x INTEGER)");
    setup.close();
    const [a, b] = [createClient({ url }), createClient({ url })].map(oneConnectionClient);
    clients.push(a!, b!);
    await markConnection(b!);

    // b reads, a writes after b's snapshot began: b cannot write on that snapshot.
    const stale = await b!.transaction("deferred");
    await stale.execute("SELECT count(*) FROM t");
    await a!.execute("INSERT INTO t VALUES (1)");
    await expect(stale.execute("INSERT INTO t VALUES (2)")).rejects.toMatchObject({
      code: expect.stringMatching(/^SQLITE_BUSY/),
    });
    await stale.rollback();
    expect(stale.closed).toBe(true);

    // The statement that met the lock would keep the old connection from committing again.
    const next = await b!.transaction("deferred");
    await next.execute("INSERT INTO t VALUES (3)");
    await next.commit();
    expect(await sameConnection(b!)).toBe(false);
    expect((await a!.execute("SELECT x FROM t ORDER BY x")).rows.map((row) => row.x)).toEqual([
      1, 3,
    ]);
    expect((await b!.execute("PRAGMA synchronous")).rows[0]![0]).toBe(1);
  });

  it("serves Prisma's concurrent interactive transactions one at a time, none lost", async () => {
    const db = createPrismaClient(migratedDatabase("SQLite"));
    try {
      const shop = `one-connection-${Date.now()}.myshopify.com`;
      await db.creditAccount.create({ data: { shop, available: 0, held: 0 } });
      await Promise.all(
        Array.from({ length: 20 }, () =>
          db.$transaction(async (tx) => {
            const account = await tx.creditAccount.findUniqueOrThrow({ where: { shop } });
            await tx.creditAccount.update({
              where: { shop },
              data: { available: account.available + 1 },
            });
          }),
        ),
      );
      const failing = db.$transaction(async (tx) => {
        await tx.creditAccount.update({ where: { shop }, data: { available: 1_000 } });
        throw new Error("changed my mind");
      });
      await expect(failing).rejects.toThrow("changed my mind");
      const account = await db.creditAccount.findUniqueOrThrow({ where: { shop } });
      expect(account.available).toBe(20);
    } finally {
      await db.$disconnect();
    }
  });
});
