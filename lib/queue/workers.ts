import "server-only";
import { hostname } from "node:os";
import type { Database } from "@/lib/db/types";
import { prefixedId } from "@/lib/ids";
import { log } from "@/lib/log";
import { claim, complete, fail, type Job, reclaimExpired, renewLease, runStep } from "./queue";

// Workers: a loop that claims due jobs of the kinds it has handlers for, up to its concurrency,
// runs each with its lease renewed in the background, and records how it ended. A handler gets
// a signal that aborts when the lease is lost (the job was cancelled, or taken for expiring)
// or the worker stops, and `step` to do each part of the job once across attempts.

export interface JobContext {
  signal: AbortSignal;
  /** Runs `work` once for this job, whatever attempt this is (lib/queue/queue.ts runStep). */
  step<T>(name: string, work: () => Promise<T>): Promise<T>;
}
export type JobHandler = (job: Job, context: JobContext) => Promise<void>;

/** A failure that another attempt would not fix: the job fails without retrying. */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

export interface Workers {
  readonly id: string;
  /** Looks for work now rather than at the next poll (after queueing a job, say). */
  wake(): void;
  /** Stops claiming, stops the running jobs and gives them back to the queue. */
  stop(timeoutMs?: number): Promise<void>;
  /** How many jobs it is running now. */
  running(): number;
}

export function startWorkers(options: {
  db: Database;
  handlers: Record<string, JobHandler>;
  concurrency: number;
  pollMs?: number;
  leaseMs?: number;
  heartbeatMs?: number;
}): Workers {
  const { db, handlers, concurrency } = options;
  const pollMs = options.pollMs ?? 1_000;
  const leaseMs = options.leaseMs ?? 30_000;
  const id = prefixedId("wrk", 12);
  const kinds = Object.keys(handlers);
  const active = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;

  const registered = db
    .query("insert into workers (id, hostname, pid) values ($1, $2, $3)", [
      id,
      hostname(),
      process.pid,
    ])
    .catch((error) => log.warn("worker registration failed", { error }));
  const heartbeat = setInterval(() => {
    db.query("update workers set heartbeat_at = now() where id = $1", [id]).catch((error) =>
      log.warn("worker heartbeat failed", { error }),
    );
  }, options.heartbeatMs ?? 10_000);
  heartbeat.unref();

  const run = (job: Job) => {
    const abort = new AbortController();
    const renew = setInterval(() => {
      renewLease(db, job.id, id, leaseMs)
        .then((held) => held || abort.abort(new Error("the job's lease was lost")))
        .catch((error) => log.warn("lease renewal failed", { job: job.id, error }));
    }, leaseMs / 3);
    renew.unref();
    const handler = handlers[job.kind]!;
    const done = (async () => {
      try {
        await handler(job, {
          signal: abort.signal,
          step: (name, work) => runStep(db, job.id, name, work),
        });
        if (!abort.signal.aborted) await complete(db, job.id, id);
      } catch (error) {
        if (abort.signal.aborted) return; // lost or given back: not this worker's to record
        const message = error instanceof Error ? error.message : String(error);
        const outcome = await fail(db, job.id, id, message, {
          retry: !(error instanceof PermanentJobError),
        });
        log.warn("job failed", { job: job.id, kind: job.kind, attempt: job.attempts, outcome });
      } finally {
        clearInterval(renew);
        active.delete(job.id);
        if (!stopping) wake();
      }
    })().catch((error) => log.error("job bookkeeping failed", { job: job.id, error }));
    active.set(job.id, { abort, done });
  };

  const poll = async () => {
    if (stopping || kinds.length === 0 || active.size >= concurrency) return;
    await registered;
    await reclaimExpired(db);
    const jobs = await claim(db, {
      workerId: id,
      kinds,
      leaseMs,
      limit: concurrency - active.size,
    });
    for (const job of jobs) run(job);
  };
  const tick = () => {
    polling ??= poll()
      .catch((error) => log.warn("job poll failed", { error }))
      .finally(() => {
        polling = undefined;
        if (!stopping) timer = setTimeout(tick, pollMs);
      });
  };
  function wake() {
    clearTimeout(timer);
    if (!polling) tick();
  }
  tick();

  return {
    id,
    wake,
    running: () => active.size,
    async stop(timeoutMs = 10_000) {
      stopping = true;
      clearTimeout(timer);
      clearInterval(heartbeat);
      await polling;
      const jobs = [...active];
      for (const [, { abort }] of jobs) abort.abort(new Error("the worker is stopping"));
      await Promise.race([
        Promise.all(jobs.map(([, { done }]) => done)),
        new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]);
      // What was interrupted goes back to the queue at once, the attempt not counted.
      await db
        .query(
          `update jobs set status = 'queued', attempts = greatest(0, attempts - 1),
                  lease_owner = null, lease_expires_at = null, run_after = now(), updated_at = now()
            where lease_owner = $1 and status = 'running'`,
          [id],
        )
        .catch((error) => log.warn("giving jobs back failed", { error }));
      await db.query("delete from workers where id = $1", [id]).catch(() => {});
    },
  };
}
