import "server-only";
import path from "node:path";
import { enqueue } from "@/lib/queue/queue";
import { type JobHandler, PermanentJobError } from "@/lib/queue/workers";
import type { SpecDocuments } from "@/lib/specs/schemas";
import { buildTask, type TaskResult } from "./build-task";
import type { PlannedTask } from "./plan";
import { queueReadyTasks } from "./queue-ready-tasks";
import { withRun } from "./run-job";
import type { TaskRow } from "./run-rows";
import { prepareWorktree, runWorkRoot, withRepoLock } from "./run-worktrees";

// run.task: one task of a run, built by buildTask in its own worktree from the run's base
// commit. A failure is retried (the queue's backoff, up to the job's attempts), except one that
// repeats the previous attempt's failure word for word, which another try would only repeat
// again; the last failure fails the task and the run. A success queues the tasks that were
// waiting on it, and the last task to succeed hands the run to the merge.

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const executeTask: JobHandler = (job, context) =>
  withRun(job, context, async (tools) => {
    const { db, run } = tools;
    if (run.status !== "executing") return;
    const [task] = await db.query<TaskRow>(
      "select * from run_tasks where id = $1 and run_id = $2",
      [String(job.payload.taskId), run.id],
    );
    if (!task || !["queued", "running"].includes(task.status)) return;
    const [project] = await db.query<{ repo_path: string }>(
      "select repo_path from projects where id = $1",
      [run.project_id],
    );
    if (!project || !run.base_commit) return tools.fail("The project's repository has no main");

    await db.query(
      `update run_tasks set status = 'running', attempts = attempts + 1, updated_at = now(),
              started_at = coalesce(started_at, now())
        where id = $1 and status in ('queued', 'running')`,
      [task.id],
    );
    const planned: PlannedTask = { ...task.definition, sequence: task.sequence };
    const workRoot = runWorkRoot(run.project_id, run.run_number);
    let result: TaskResult;
    try {
      result = await context.step("build", async () => {
        await withRepoLock(db, project.repo_path, () =>
          prepareWorktree(
            project.repo_path,
            path.join(workRoot, task.branch_name.replace("/", "-")),
            task.branch_name,
            run.base_commit!,
          ),
        );
        return buildTask({
          gitDir: project.repo_path,
          base: run.base_commit!,
          workRoot,
          task: planned,
          spec: (run.spec_snapshot?.documents ?? {}) as SpecDocuments,
          ...(await tools.modelFor(`task:${task.slug}`)),
          userId: run.user_id,
          signal: tools.signal,
          emit: (event) =>
            tools.emit(
              "path" in event.payload ? `${event.type}:${event.payload.path}` : event.type,
              event.type,
              event.payload,
              task.id,
            ),
        });
      });
    } catch (error) {
      if (tools.signal.aborted) throw error;
      const reason = message(error);
      const repeated = task.error === reason;
      if (!repeated && !(error instanceof PermanentJobError) && job.attempts < job.maxAttempts) {
        await db.query("update run_tasks set error = $2, updated_at = now() where id = $1", [
          task.id,
          reason,
        ]);
        throw error;
      }
      await db.query(
        `update run_tasks set status = 'failed', error = $2, completed_at = now(), updated_at = now()
          where id = $1`,
        [task.id, reason],
      );
      await tools.emit(
        "task-failed",
        "TASK_FAILED",
        { slug: task.slug, error: reason, attempts: job.attempts },
        task.id,
      );
      const why = repeated ? " (the same failure twice in a row)" : "";
      return tools.fail(
        `Task ${task.slug} failed after ${job.attempts} attempt(s)${why}: ${reason}`,
      );
    }

    tools.checkpoint();
    const next = await context.step("finish", () =>
      db.transaction(async (tx) => {
        await tx.query(
          `update run_tasks set status = 'succeeded', error = null, worktree_path = $2, result = $3,
                  completed_at = now(), updated_at = now()
            where id = $1 and status = 'running'`,
          [
            task.id,
            result.worktreePath,
            JSON.stringify({
              filesCreated: result.filesCreated,
              filesModified: result.filesModified,
              commitSha: result.commitSha,
            }),
          ],
        );
        const queued = await queueReadyTasks(tx, run.id, (payload) =>
          enqueue(tx, {
            kind: "run.task",
            userId: run.user_id,
            payload,
            dedupeKey: payload.taskId,
          }),
        );
        const [merging] = await tx.query(
          `update runs set status = 'merging', updated_at = now()
            where id = $1 and status = 'executing'
              and not exists (select 1 from run_tasks where run_id = $1 and status <> 'succeeded')
            returning id`,
          [run.id],
        );
        if (merging) {
          await enqueue(tx, {
            kind: "run.merge",
            userId: run.user_id,
            payload: { runId: run.id },
            dedupeKey: run.id,
          });
        }
        return { queued, merging: Boolean(merging) };
      }),
    );
    for (const queued of next.queued) {
      await tools.emit(`queued-${queued.id}`, "TASK_QUEUED", { slug: queued.slug }, queued.id);
    }
  });
