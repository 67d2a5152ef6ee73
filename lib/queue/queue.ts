import "server-only";
import type { Queryable } from "@/lib/db/types";
import { prefixedId } from "@/lib/ids";

// The durable job queue, in Postgres (or PGlite): a job is a row; a worker claims it with
// SELECT ... FOR UPDATE SKIP LOCKED and holds it by renewing a lease; a lease that runs out
// (the worker died or hung) puts the job back, or fails it once its attempts are spent; a
// failure is retried after a backoff, up to the job's cap. Every change to a running job names
// the worker that holds it, so a worker that lost its lease cannot finish what another now runs.

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface Job<P = Record<string, unknown>> {
  id: string;
  kind: string;
  userId: string | null;
  payload: P;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
}

interface JobRow {
  id: string;
  kind: string;
  user_id: string | null;
  payload: Record<string, unknown>;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
}

const toJob = (row: JobRow): Job => ({
  id: row.id,
  kind: row.kind,
  userId: row.user_id,
  payload: row.payload,
  status: row.status,
  attempts: row.attempts,
  maxAttempts: row.max_attempts,
  lastError: row.last_error,
});

const returning = "id, kind, user_id, payload, status, attempts, max_attempts, last_error";

/**
 * Queues a job. With a `dedupeKey`, asking twice (a retried request, two processes) queues it
 * once: the second call gets the first job.
 */
export async function enqueue(
  db: Queryable,
  job: {
    kind: string;
    payload?: Record<string, unknown>;
    userId?: string | null;
    maxAttempts?: number;
    runAfterMs?: number;
    dedupeKey?: string;
  },
): Promise<Job> {
  const [row] = await db.query<JobRow>(
    `insert into jobs (id, kind, user_id, payload, max_attempts, run_after, dedupe_key)
     values ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), $7)
     on conflict (kind, dedupe_key) where dedupe_key is not null do nothing
     returning ${returning}`,
    [
      prefixedId("job"),
      job.kind,
      job.userId ?? null,
      JSON.stringify(job.payload ?? {}),
      job.maxAttempts ?? 3,
      (job.runAfterMs ?? 0) / 1000,
      job.dedupeKey ?? null,
    ],
  );
  if (row) return toJob(row);
  const [existing] = await db.query<JobRow>(
    `select ${returning} from jobs where kind = $1 and dedupe_key = $2`,
    [job.kind, job.dedupeKey],
  );
  return toJob(existing as JobRow);
}

/**
 * Returns jobs whose lease ran out to the queue, or fails those whose attempts are spent; the
 * number of jobs it touched.
 */
export async function reclaimExpired(db: Queryable): Promise<number> {
  const rows = await db.query(
    `update jobs
        set status = case when attempts >= max_attempts then 'failed' else 'queued' end,
            last_error = 'its worker stopped renewing the lease (attempt ' || attempts || ')',
            lease_owner = null, lease_expires_at = null, run_after = now(), updated_at = now()
      where status = 'running' and lease_expires_at < now()
      returning id`,
  );
  return rows.length;
}

/** Claims up to `limit` due jobs of the given kinds for `workerId`, oldest first. */
export async function claim(
  db: Queryable,
  options: { workerId: string; kinds: string[]; leaseMs: number; limit: number },
): Promise<Job[]> {
  if (options.kinds.length === 0 || options.limit <= 0) return [];
  const rows = await db.query<JobRow>(
    `update jobs
        set status = 'running', attempts = attempts + 1, lease_owner = $1,
            lease_expires_at = now() + make_interval(secs => $2), updated_at = now()
      where id in (
        select id from jobs
         where status = 'queued' and run_after <= now() and kind = any($3::text[])
         order by run_after, created_at
         limit $4
         for update skip locked)
      returning ${returning}`,
    [options.workerId, options.leaseMs / 1000, options.kinds, options.limit],
  );
  return rows.map(toJob);
}

/** Extends the lease; false when the worker no longer holds the job (it must stop). */
export async function renewLease(
  db: Queryable,
  jobId: string,
  workerId: string,
  leaseMs: number,
): Promise<boolean> {
  const rows = await db.query(
    `update jobs set lease_expires_at = now() + make_interval(secs => $3), updated_at = now()
      where id = $1 and lease_owner = $2 and status = 'running'
      returning id`,
    [jobId, workerId, leaseMs / 1000],
  );
  return rows.length === 1;
}

export async function complete(db: Queryable, jobId: string, workerId: string): Promise<boolean> {
  const rows = await db.query(
    `update jobs set status = 'succeeded', lease_owner = null, lease_expires_at = null,
            last_error = null, updated_at = now()
      where id = $1 and lease_owner = $2 and status = 'running'
      returning id`,
    [jobId, workerId],
  );
  return rows.length === 1;
}

/**
 * Records a failed attempt: the job is queued again while attempts remain and the failure is
 * worth retrying, after 2, 4, 8... seconds (at most 5 minutes, with a little jitter), else it
 * fails for good.
 */
export async function fail(
  db: Queryable,
  jobId: string,
  workerId: string,
  error: string,
  options: { retry: boolean },
): Promise<"retrying" | "failed" | "not-held"> {
  const [row] = await db.query<{ status: JobStatus }>(
    `update jobs
        set status = case when $4 and attempts < max_attempts then 'queued' else 'failed' end,
            run_after = now() + make_interval(
              secs => least(300, power(2, greatest(1, attempts))) * $5),
            last_error = $3, lease_owner = null, lease_expires_at = null, updated_at = now()
      where id = $1 and lease_owner = $2 and status = 'running'
      returning status`,
    [jobId, workerId, error.slice(0, 2000), options.retry, 0.8 + Math.random() * 0.4],
  );
  if (!row) return "not-held";
  return row.status === "failed" ? "failed" : "retrying";
}

/** Cancels a job that has not finished; a running one stops at its next lease renewal. */
export async function cancel(db: Queryable, jobId: string): Promise<boolean> {
  const rows = await db.query(
    `update jobs set status = 'cancelled', lease_owner = null, lease_expires_at = null,
            updated_at = now()
      where id = $1 and status in ('queued', 'running')
      returning id`,
    [jobId],
  );
  return rows.length === 1;
}

export async function getJob(db: Queryable, jobId: string): Promise<Job | undefined> {
  const [row] = await db.query<JobRow>(`select ${returning} from jobs where id = $1`, [jobId]);
  return row ? toJob(row) : undefined;
}

/**
 * A step of a job, done once: a job taken again after its worker died finds the step's result
 * and does not run it again. A step that throws records nothing and runs again on the retry.
 */
export async function runStep<T>(
  db: Queryable,
  jobId: string,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  const [done] = await db.query<{ result: T }>(
    "select result from job_steps where job_id = $1 and name = $2",
    [jobId, name],
  );
  if (done) return done.result;
  const result = await work();
  await db.query(
    `insert into job_steps (job_id, name, result) values ($1, $2, $3)
     on conflict (job_id, name) do nothing`,
    [jobId, name, JSON.stringify(result ?? null)],
  );
  return result;
}
