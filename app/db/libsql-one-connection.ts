import {
  LibsqlError,
  type Client,
  type InStatement,
  type ResultSet,
  type Transaction,
  type TransactionMode,
} from "@libsql/client";

/**
 * A libsql client that keeps one SQLite connection for everything, transactions included.
 *
 * @libsql/client gives each interactive transaction the connection it had and opens a new one for
 * whatever comes next, so that statements issued during the transaction cannot land in it. Prisma's
 * adapter already rules that out (it holds a lock from BEGIN to COMMIT), and the fresh connections
 * were costly: each one re-read the schema on its first statements and was never closed, only
 * collected, and a bulk job runs about 18 transactions an image. One connection also lets the
 * connection's settings (`synchronous`) hold for good.
 */
export function oneConnectionClient(client: Client): Client {
  let ready: Promise<void> | null = null;
  const settle = () => (ready ??= applySettings(client));
  /** Bumped when the connection is replaced: a transaction begun on the old one is over. */
  let generation = 0;

  /**
   * A statement that met another connection's lock stays active on its connection until it is
   * garbage-collected (@libsql/client never finalizes statements), and while it is, that
   * connection cannot commit. On a fresh connection each transaction never noticed; here the
   * connection is replaced instead. @libsql/client lets go of a connection only by handing it
   * to a transaction, so it is handed to one that is rolled back at once.
   */
  const onError = async (error: unknown) => {
    if (isLockError(error)) {
      generation++;
      ready = null;
      await client.execute("ROLLBACK").catch(() => undefined);
      await client
        .transaction("deferred")
        .then((detached) => detached.close())
        .catch(() => undefined);
    }
    throw error;
  };
  const run = async (stmt: InStatement) => client.execute(stmt).catch(onError);

  const execute = async (stmt: InStatement) => {
    await settle();
    return run(stmt);
  };

  const transaction = async (mode: TransactionMode = "write"): Promise<Transaction> => {
    await execute(BEGIN[mode]);
    const begunOn = generation;
    let open = true;
    const whileOpen = () => {
      if (!open) throw new Error("The transaction is closed");
      if (generation !== begunOn) {
        open = false;
        throw new LibsqlError("the transaction was rolled back: database busy", "SQLITE_BUSY", 5);
      }
    };
    const end = async (statement: "COMMIT" | "ROLLBACK") => {
      whileOpen();
      open = false;
      try {
        await run(statement);
      } catch (error) {
        // A failed COMMIT (a constraint checked at the end) leaves the transaction open: end it
        // here, or the connection would carry it into the next one.
        if (statement === "COMMIT") await client.execute("ROLLBACK").catch(() => undefined);
        throw error;
      }
    };
    return {
      execute: async (stmt: InStatement) => {
        whileOpen();
        return run(stmt);
      },
      batch: async (stmts: InStatement[]) => {
        const results: ResultSet[] = [];
        for (const stmt of stmts) {
          whileOpen();
          results.push(await run(stmt));
        }
        return results;
      },
      executeMultiple: async (sql: string) => {
        whileOpen();
        return client.executeMultiple(sql).catch(onError);
      },
      commit: () => end("COMMIT"),
      // Already over (SQLite ends some failed transactions itself, or its connection was
      // replaced): nothing is left to roll back.
      rollback: async () => {
        if (open && generation === begunOn) await end("ROLLBACK").catch(() => undefined);
        open = false;
      },
      close: () => {
        if (open && generation === begunOn) void end("ROLLBACK").catch(() => undefined);
        open = false;
      },
      get closed() {
        return !open || generation !== begunOn;
      },
    };
  };

  return new Proxy(client, {
    get(target, property) {
      if (property === "execute") return execute;
      if (property === "transaction") return transaction;
      if (property === "executeMultiple" || property === "batch") {
        return async (...args: unknown[]) => {
          await settle();
          const method = Reflect.get(target, property) as (...a: unknown[]) => Promise<unknown>;
          return method.apply(target, args).catch(onError);
        };
      }
      // Read on the client itself: its private fields are not reachable through the proxy.
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** SQLITE_BUSY and SQLITE_LOCKED, with their extended codes. */
function isLockError(error: unknown) {
  const rawCode = (error as { rawCode?: unknown } | null)?.rawCode;
  return typeof rawCode === "number" && [5, 6].includes(rawCode & 0xff);
}

const BEGIN: Record<TransactionMode, string> = {
  write: "BEGIN IMMEDIATE",
  read: "BEGIN TRANSACTION READONLY",
  deferred: "BEGIN DEFERRED",
};

/**
 * In WAL mode (which migrations turn on), `synchronous = NORMAL` keeps every commit through a
 * crash of the process, kill -9 included, and syncs at checkpoints instead of at each commit; only
 * a power cut can take back the last commits, never corrupt the file. In other journal modes
 * NORMAL is not that safe, so the default (FULL) stays.
 */
async function applySettings(client: Client) {
  const mode = await client.execute("PRAGMA journal_mode");
  if (String(mode.rows[0]?.[0]).toLowerCase() === "wal") {
    await client.execute("PRAGMA synchronous = NORMAL");
  }
}
