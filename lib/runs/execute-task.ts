import "server-only";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Database } from "@/lib/db/types";
import { getEnv } from "@/lib/env";
import { git } from "@/lib/git/git";
import { processSlot } from "@/lib/process-lifetime";
import { enqueue } from "@/lib/queue/queue";
import { type JobHandler, PermanentJobError } from "@/lib/queue/workers";
import type { SpecDocuments } from "@/lib/specs/schemas";
import { buildTask, type TaskResult } from "./build-task";
import type { PlannedTask } from "./plan";
import { queueReadyTasks } from "./queue-ready-tasks";
import { withRun } from "./run-job";
import type { TaskRow } from "./run-rows";

// run.task: one task of a run, built by buildTask in its own worktree from the run's base
// commit. A failure is retried (the queue's backoff, up to the job's attempts), except one that
// repeats the previous attempt's failure word for word, which another try would only repeat
// again; the last failure fails the task and the run. A success queues the tasks that were
// waiting on it, and the last task to succeed hands the run to the merge.

/** Where a run's worktrees live: one directory per run under the project's workspace. */
export function runWorkRoot(projectId: string, runNumber: number): string {
  return path.join(
    getEnv().dataDir,
    "workspaces",
    projectId,
    `run-${String(runNumber).padStart(3, "0")}`,
  );
}

// Git's worktree commands on one repository must not interleave (a prune while another task's
// worktree is being added removes it half-made): one at a time per repository, in this process
// and, through an advisory lock on Postgres, across worker processes.
const repoQueues = processSlot("run-repo-locks", () => new Map<string, Promise<unknown>>());

async function withRepoLock<T>(db: Database, gitDir: string, work: () => Promise<T>): Promise<T> {
  const previous = repoQueues.get(gitDir) ?? Promise.resolve();
  const key = createHash("sha256").update(`kiln-repo:${gitDir}`).digest().readInt32BE(0);
  const next = previous.catch(() => {}).then(() => db.withAdvisoryLock(key, work));
  const settled = next.catch(() => {});
  repoQueues.set(gitDir, settled);
  void settled.then(() => {
    if (repoQueues.get(gitDir) === settled) repoQueues.delete(gitDir);
  });
  return next;
}

/**
 * The task's worktree on its branch from `base`. Branch names are per project (feat/task-NNN-
 * slug), so an earlier run's branch of the same name gives way: its worktree is removed and the
 * branch starts again at this run's base. (That run's task rows keep their commit ids.)
 */
async function prepareWorktree(gitDir: string, dir: string, branch: string, base: string) {
  if (existsSync(dir)) return;
  const listing = await git(["worktree", "list", "--porcelain"], { gitDir });
  for (const block of listing.split("\n\n")) {
    const at = /^worktree (.+)$/m.exec(block)?.[1];
    if (at && block.split("\n").includes(`branch refs/heads/${branch}`)) {
      await git(["worktree", "remove", "--force", at], { gitDir });
    }
  }
  await git(["worktree", "prune"], { gitDir });
  await git(["worktree", "add", "--quiet", "-B", branch, dir, base], { gitDir });
}

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
          resolved: await tools.model(),
          userId: run.user_id,
          signal: tools.signal,
          recordCall: tools.recordCall,
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
