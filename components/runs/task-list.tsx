import type { RunDetail } from "@/lib/runs/schemas";
import { RunStatusBadge } from "./run-status-badge";

/** The run's tasks in order, with what each depends on and how far the run has come. */
export function TaskList({ run }: { run: RunDetail }) {
  const done = run.tasks.filter((t) => t.status === "succeeded").length;
  const total = run.tasks.length;
  const dependencies = new Map<string, string[]>();
  for (const task of run.tasksJson?.tasks ?? []) {
    const slug = String(task.slug ?? "");
    const deps = Array.isArray(task.dependencies) ? task.dependencies.map(String) : [];
    dependencies.set(slug, deps);
  }
  return (
    <section aria-labelledby="tasks-title" className="min-w-0 space-y-3">
      <div className="flex items-baseline justify-between gap-3">
        <h2 id="tasks-title" className="text-lg font-semibold">
          Tasks
        </h2>
        <span className="text-sm text-zinc-400" data-testid="task-progress">
          {done} of {total} done
        </span>
      </div>
      <div
        className="h-2 overflow-hidden rounded-full bg-zinc-800"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-label="Tasks done"
      >
        <div
          className="h-full bg-orange-500 transition-all"
          style={{ width: `${total ? (done / total) * 100 : 0}%` }}
        />
      </div>
      {total === 0 ? (
        <p className="text-sm text-zinc-400">The plan is being made.</p>
      ) : (
        <ol className="divide-y divide-zinc-800 rounded-lg border border-zinc-800">
          {run.tasks.map((task) => {
            const after = dependencies.get(task.slug) ?? [];
            return (
              <li key={task.id} className="flex flex-wrap items-center gap-3 px-4 py-3">
                <span className="w-6 text-xs text-zinc-500">{task.sequence}</span>
                <span className="min-w-0 flex-1 break-words font-mono text-sm">{task.slug}</span>
                {after.length ? (
                  <span className="text-xs text-zinc-400">after {after.join(", ")}</span>
                ) : null}
                <RunStatusBadge status={task.status} />
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
