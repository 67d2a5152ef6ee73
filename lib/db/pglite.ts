import "server-only";
import path from "node:path";
import { Worker } from "node:worker_threads";
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

export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const worker = new Worker(/*turbopackIgnore: true*/ workerFile, { workerData: { dataDir } });
  const pending = new Map<
    number,
    { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }
  >();
  let nextId = 0;
  let failed: Error | undefined;

  await new Promise<void>((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
  });
  worker.on(
    "message",
    (message: { id: number; rows?: unknown[]; error?: Record<string, unknown> }) => {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.error) waiting.reject(new WorkerDatabaseError(message.error));
      else waiting.resolve(message.rows ?? []);
    },
  );
  worker.on("error", (error) => {
    failed = error;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  });

  const send = (op: "query" | "exec" | "close", sql?: string, params?: unknown[]) =>
    new Promise<unknown[]>((resolve, reject) => {
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
    async close() {
      await held;
      await send("close");
      await worker.terminate();
    },
  };
}
