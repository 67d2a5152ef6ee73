// The embedded database in a worker thread of its own. PGlite is Postgres compiled to
// WebAssembly: every statement runs on the thread that owns it. Here that is not the thread
// that serves HTTP, so queries and the page writes behind them no longer hold up other
// requests (Kiln's host has more than one core). Messages: { id, op: "query" | "exec" |
// "dump" | "close", sql?, params? } in; { id, rows? }, { id, dump } or { id, error } out.
import { mkdirSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

if (workerData.dataDir) mkdirSync(workerData.dataDir, { recursive: true });
const pg = await PGlite.create(workerData.dataDir);

/** What a caller may need of a database error, as structured-clone data. */
function errorFields(error) {
  const out = { name: error?.name ?? "Error", message: error?.message ?? String(error) };
  for (const field of ["code", "detail", "hint", "constraint", "table", "column", "severity"]) {
    if (error?.[field] !== undefined) out[field] = error[field];
  }
  return out;
}

parentPort.on("message", async ({ id, op, sql, params }) => {
  try {
    if (op === "query") {
      const result = await pg.query(sql, params);
      parentPort.postMessage({ id, rows: result.rows });
    } else if (op === "exec") {
      await pg.exec(sql);
      parentPort.postMessage({ id });
    } else if (op === "dump") {
      // A gzipped tar of the data directory, taken between two statements: a copy as of one
      // instant, which Postgres opens as it would after a power cut at that instant.
      const dump = new Uint8Array(await (await pg.dumpDataDir("gzip")).arrayBuffer());
      parentPort.postMessage({ id, dump }, [dump.buffer]);
    } else if (op === "close") {
      await pg.close();
      parentPort.postMessage({ id });
    } else {
      throw new Error(`unknown operation ${op}`);
    }
  } catch (error) {
    parentPort.postMessage({ id, error: errorFields(error) });
  }
});
parentPort.postMessage({ ready: true });
