import "server-only";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { serveBackups } from "./backup-socket";
import { lockDataDir, unlockDataDir } from "./data-dir-lock";
import type { Database, Queryable } from "./types";

// PGlite runs in a worker thread (lib/db/pglite-worker.mjs) so that its CPU time, which is
// all of a query's, is not spent on the thread serving requests. One connection: a transaction
// holds it, and other queries wait for the transaction to end.

const workerFile = path.join(process.cwd(), "lib", "db", "pglite-worker.mjs");

class WorkerDatabaseError extends Error {
  constructor(fields: Record<string, unknown>) {
    super(String(fields.message));
    Object.assign(this, fields);
    this.name = String(fields.name ?? "DatabaseError");
  }
}

/**
 * Opens the database in Kiln's data directory (its pgdata/), after taking the directory for
 * this process (lib/db/data-dir-lock.ts); in memory when none is given.
 */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) lockDataDir(dataDir);
  const worker = new Worker(/*turbopackIgnore: true*/ workerFile, {
    workerData: { dataDir: dataDir && path.join(dataDir, "pgdata") },
  });
  const pending = new Map<
    number,
    { resolve: (out: unknown) => void; reject: (e: Error) => void }
  >();
  let nextId = 0;
  let failed: Error | undefined;

  await new Promise<void>((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
  });
  worker.on(
    "message",
    (message: {
      id: number;
      rows?: unknown[];
      dump?: Uint8Array;
      error?: Record<string, unknown>;
    }) => {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.error) waiting.reject(new WorkerDatabaseError(message.error));
      else waiting.resolve(message.dump ?? message.rows ?? []);
    },
  );
  worker.on("error", (error) => {
    failed = error;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  });

  const send = (op: "query" | "exec" | "dump" | "close", sql?: string, params?: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (failed) return reject(failed);
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, sql, params });
    });

  const direct: Queryable = {
    query: <Row>(sql: string, params?: unknown[]) => send("query", sql, params) as Promise<Row[]>,
    exec: async (sql: string) => {
      await send("exec", sql);
    },
  };

  // Whatever transaction holds the connection now; statements outside it queue behind it.
  let held: Promise<void> = Promise.resolve();
  const outside: Queryable = {
    async query<Row>(sql: string, params?: unknown[]) {
      await held;
      return direct.query<Row>(sql, params);
    },
    async exec(sql: string) {
      await held;
      return direct.exec(sql);
    },
  };

  // A dump waits, as other statements do, for the transaction in progress, so it holds
  // whole transactions only.
  const backups =
    dataDir &&
    serveBackups(dataDir, async () => {
      await held;
      return (await send("dump")) as Uint8Array;
    });

  return {
    kind: "pglite",
    ...outside,
    async transaction(fn) {
      const before = held;
      let release = () => {};
      held = new Promise((resolve) => {
        release = resolve;
      });
      await before;
      try {
        await direct.exec("begin");
        const result = await fn(direct);
        await direct.exec("commit");
        return result;
      } catch (error) {
        await direct.exec("rollback").catch(() => {});
        throw error;
      } finally {
        release();
      }
    },
    withAdvisoryLock: (_key, fn) => fn(outside),
    listen: async () => async () => {},
    async close() {
      if (backups) backups.close();
      await held;
      await send("close");
      await worker.terminate();
      if (dataDir) unlockDataDir(dataDir);
    },
  };
}
