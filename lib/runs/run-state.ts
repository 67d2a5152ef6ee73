import "server-only";
import type { Database } from "@/lib/db/types";
import { appendEvent } from "@/lib/events/events";
import { log } from "@/lib/log";
import { processSlot } from "@/lib/process-lifetime";
import { type RunEventType, runStream } from "./event-types";
import { removeRunWorktrees } from "./run-worktrees";
import { activeRunStatuses } from "./schemas";

// How a run ends, in one place: the run's status, its user's concurrent-build slot, its
// project's status, its unfinished tasks and its queued or running jobs all change in one
// statement, and only the caller whose statement moved the run appends the final event — so a
// run ends once, with exactly one RUN_SUCCEEDED, RUN_FAILED or RUN_CANCELLED, however many
// jobs, workers and cancel requests race to end it.

export type FinalStatus = "succeeded" | "failed" | "cancelled";

const finalEvent: Record<FinalStatus, RunEventType> = {
  succeeded: "RUN_SUCCEEDED",
  failed: "RUN_FAILED",
  cancelled: "RUN_CANCELLED",
};

// The running jobs of each run in this process, so a cancel stops their model calls at once
// rather than at the jobs' next lease renewal (which is how other processes' jobs learn it).
const running = processSlot("run-job-aborts", () => new Map<string, Set<AbortController>>());

/** An abort controller for a job of `runId` that `finishRun` aborts; call `release` when done. */
export function watchRun(runId: string, signal: AbortSignal) {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  const set = running.get(runId) ?? new Set<AbortController>();
  running.set(runId, set);
  set.add(controller);
  return {
    controller,
    release() {
      signal.removeEventListener("abort", onAbort);
      set.delete(controller);
      if (set.size === 0) running.delete(runId);
    },
  };
}

/** A run's event, on its stream. */
export function appendRunEvent(
  db: Database,
  runId: string,
  type: RunEventType,
  payload: Record<string, unknown>,
  taskId?: string | null,
) {
  return appendEvent(db, { stream: runStream(runId), type, payload, taskId: taskId ?? null });
}

/**
 * Ends a run that has not ended: false when it already had (nothing changes then). `exceptJob`
 * is the job calling, which ends as its handler returns rather than by being cancelled.
 */
export async function finishRun(
  db: Database,
  options: {
    runId: string;
    status: FinalStatus;
    error?: string | undefined;
    exceptJob?: string | undefined;
  },
): Promise<boolean> {
  const { runId, status } = options;
  const error = options.error?.slice(0, 2000) ?? null;
  const [row] = await db.query<{
    id: string;
    project_id: string;
    run_number: number;
    repo_path: string;
  }>(
    `with done as (
       update runs set status = $2, error = $3, completed_at = now(), updated_at = now()
        where id = $1 and status = any($4::text[])
       returning id, user_id, project_id, run_number
     ), freed as (
       update users set active_runs = greatest(active_runs - 1, 0)
        where id = (select user_id from done)
     ), moved as (
       update projects set status = $5, updated_at = now()
        where id = (select project_id from done) and status = 'building'
     ), stopped_tasks as (
       update run_tasks set status = 'cancelled', updated_at = now()
        where run_id = (select id from done) and status in ('pending', 'queued', 'running')
     ), stopped_jobs as (
       update jobs set status = 'cancelled', lease_owner = null, lease_expires_at = null,
              updated_at = now()
        where exists (select 1 from done) and payload->>'runId' = $1
          and status in ('queued', 'running') and id is distinct from $6
     )
     select done.id, done.project_id, done.run_number, p.repo_path
       from done join projects p on p.id = done.project_id`,
    [
      runId,
      status,
      error,
      [...activeRunStatuses],
      status === "succeeded" ? "built" : "failed",
      options.exceptJob ?? null,
    ],
  );
  if (!row) return false;
  for (const controller of running.get(runId) ?? []) {
    controller.abort(new Error(`the run was ${status}`));
  }
  await appendRunEvent(db, runId, finalEvent[status], {
    status,
    ...(error ? { error } : {}),
  });
  // The checkouts are of no more use; a failure to remove them must not undo the ending.
  await removeRunWorktrees(db, {
    projectId: row.project_id,
    runNumber: row.run_number,
    gitDir: row.repo_path,
  }).catch((failure) => log.warn("removing a run's worktrees failed", { runId, error: failure }));
  return true;
}
