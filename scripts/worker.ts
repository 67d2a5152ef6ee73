// npm run worker: a process that runs Kiln's background jobs (build steps) against the shared
// Postgres of DATABASE_URL, beside the Kiln processes that serve HTTP (run those with
// KILN_WORKERS=0 to leave all jobs to worker processes, or keep a few in each). Stops on
// SIGINT/SIGTERM, giving back the jobs it runs.
import nextEnv from "@next/env";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { jobHandlers } from "@/lib/job-handlers";
import { log } from "@/lib/log";
import { startWorkers } from "@/lib/queue/workers";

nextEnv.loadEnvConfig(process.cwd());
const env = getEnv();
if (!env.DATABASE_URL) {
  console.error(
    "kiln worker: the embedded database (PGlite) belongs to the one Kiln process that opened it, so a separate worker cannot share it. Set DATABASE_URL to a Postgres database that Kiln uses too, or let Kiln run jobs itself (KILN_WORKERS, 2 by default).",
  );
  process.exit(1);
}
const concurrency = Math.max(1, env.KILN_WORKERS);
const db = await getDb();
const workers = startWorkers({
  db,
  handlers: jobHandlers,
  concurrency,
  leaseMs: env.KILN_JOB_LEASE_MS,
});
log.info("worker started", { worker: workers.id, concurrency, kinds: Object.keys(jobHandlers) });
console.log(`Kiln worker ${workers.id} running (${concurrency} at a time)`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await workers.stop();
    await db.close();
    process.exit(0);
  });
}
