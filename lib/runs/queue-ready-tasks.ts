import "server-only";
import type { Queryable } from "@/lib/db/types";

// A task is queued once every task it depends on has succeeded. Two tasks finishing at once
// must not both miss (or both queue) the task that waits on them: callers run this in the
// transaction that records their own outcome, and it starts by locking the run's row, so each
// sees the other's committed outcome.

export async function queueReadyTasks(
  tx: Queryable,
  runId: string,
  enqueueTask: (payload: { runId: string; taskId: string }) => Promise<unknown>,
): Promise<{ id: string; slug: string }[]> {
  const [run] = await tx.query<{ status: string }>(
    "select status from runs where id = $1 for update",
    [runId],
  );
  if (run?.status !== "executing") return [];
  const ready = await tx.query<{ id: string; slug: string }>(
    `update run_tasks t set status = 'queued', updated_at = now()
      where t.run_id = $1 and t.status = 'pending'
        and not exists (
          select 1 from jsonb_array_elements_text(t.definition->'dependencies') as d(slug)
            left join run_tasks o on o.run_id = t.run_id and o.slug = d.slug
           where o.status is distinct from 'succeeded')
      returning t.id, t.slug, t.sequence`,
    [runId],
  );
  ready.sort((a, b) => a.id.localeCompare(b.id));
  for (const task of ready) await enqueueTask({ runId, taskId: task.id });
  return ready.map(({ id, slug }) => ({ id, slug }));
}
