import "server-only";
import { enqueue } from "@/lib/queue/queue";
import type { JobHandler } from "@/lib/queue/workers";
import { runBranch } from "./event-types";
import { mergeTasks } from "./merge";
import { withRun } from "./run-job";
import { listTaskRows } from "./run-rows";
import { runWorkRoot } from "./run-worktrees";

// run.merge: the tasks' branches into the run's branch (run/NNN), in merge order. A conflict
// fails the task it stopped at and the run, naming the files; a clean merge hands the run's
// worktree to verification.

export const mergeRun: JobHandler = (job, context) =>
  withRun(job, context, async (tools) => {
    const { db, run } = tools;
    if (run.status !== "merging" || !run.base_commit) return;
    const [project] = await db.query<{ repo_path: string }>(
      "select repo_path from projects where id = $1",
      [run.project_id],
    );
    if (!project) return;
    // Sequence numbers follow the plan's merge order (plan.ts).
    const tasks = await listTaskRows(db, run.id);
    const idOf = new Map(tasks.map((t) => [t.slug, t.id]));
    const branch = runBranch(run.run_number);
    await tools.emit("merge-started", "MERGE_STARTED", {
      runBranch: branch,
      mergeOrder: tasks.map((t) => t.slug),
    });
    const merged = await context.step("merge", () =>
      mergeTasks({
        gitDir: project.repo_path,
        base: run.base_commit!,
        runBranch: branch,
        workRoot: runWorkRoot(run.project_id, run.run_number),
        tasks: tasks.map((t) => ({ slug: t.slug, branchName: t.branch_name })),
        emit: (event) =>
          tools.emit(
            `${event.type}:${event.taskSlug}`,
            event.type,
            event.payload,
            idOf.get(event.taskSlug),
          ),
      }),
    );
    if (!merged.ok) {
      const task = tasks.find((t) => t.slug === merged.taskSlug);
      const reason = `Merging ${task?.branch_name ?? merged.taskSlug} into ${branch} conflicted in ${merged.files.join(", ")}`;
      await db.query(
        `update run_tasks set status = 'failed', error = $2, updated_at = now() where id = $1`,
        [task?.id, reason],
      );
      await tools.emit(
        "task-failed",
        "TASK_FAILED",
        { slug: merged.taskSlug, error: reason, files: merged.files },
        task?.id,
      );
      return tools.fail(reason);
    }
    await context.step("hand-off", () =>
      db.transaction(async (tx) => {
        const [moved] = await tx.query(
          `update runs set status = 'verifying', result_commit = $2, updated_at = now()
            where id = $1 and status = 'merging'
            returning id`,
          [run.id, merged.commitSha],
        );
        if (moved) {
          await enqueue(tx, {
            kind: "run.verify",
            userId: run.user_id,
            payload: { runId: run.id, worktreePath: merged.worktreePath },
            dedupeKey: run.id,
            // Installing, building and testing is long and rarely helped by doing it again.
            maxAttempts: 2,
          });
        }
        return true;
      }),
    );
  });
