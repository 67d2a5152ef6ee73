import "server-only";
import { git } from "@/lib/git/git";
import type { JobHandler } from "@/lib/queue/workers";
import { withRun } from "./run-job";
import { listTaskRows } from "./run-rows";
import { finishRun } from "./run-state";

// run.verify: the merged worktree is installed, built and tested (verifyRun, lib/runs/verify.ts)
// and the outcome stored. A run that passes moves the project repository's main to its result
// (only if main is still the commit the run started from: a build never overwrites work it did
// not see) and succeeds, the project built; one that does not fails, the project failed. A
// replay reproduces a run and never moves main: the run it replays had that say.

/** What run.verify calls: lib/runs/verify.ts's verifyRun. */
export type VerifyRun = (options: {
  dir: string;
  acceptance: { id: string; text: string; requirement?: string | undefined }[];
  tasks: { slug: string; requirements: string[]; files: string[] }[];
  userId: string;
  emit: (event: {
    type: "VERIFY_STARTED" | "VERIFY_OUTPUT" | "VERIFY_COMPLETED";
    payload: Record<string, unknown>;
  }) => Promise<void>;
  signal?: AbortSignal;
}) => Promise<{ passed: boolean }>;

export function verifyRunJob(verify: VerifyRun): JobHandler {
  return (job, context) =>
    withRun(job, context, async (tools) => {
      const { db, run } = tools;
      if (run.status !== "verifying" || !run.result_commit) return;
      const tasks = await listTaskRows(db, run.id);
      let outputs = 0;
      const result = await context.step("verify", () =>
        verify({
          dir: String(job.payload.worktreePath),
          acceptance: run.spec_snapshot?.acceptance ?? [],
          tasks: tasks.map((t) => ({
            slug: t.slug,
            requirements: t.definition.requirements,
            files: [...(t.result?.filesCreated ?? []), ...(t.result?.filesModified ?? [])],
          })),
          userId: run.user_id,
          signal: tools.signal,
          emit: (event) =>
            tools.emit(
              event.type === "VERIFY_OUTPUT" ? `verify-output-${outputs++}` : event.type,
              event.type,
              event.payload,
            ),
        }),
      );
      await db.query("update runs set verification_result = $2, updated_at = now() where id = $1", [
        run.id,
        JSON.stringify(result),
      ]);
      if (!result.passed) return tools.fail("Verification failed: the app did not pass its checks");
      if (run.replay_of) {
        await finishRun(db, { runId: run.id, status: "succeeded", exceptJob: job.id });
        return;
      }
      const [project] = await db.query<{ repo_path: string }>(
        "select repo_path from projects where id = $1",
        [run.project_id],
      );
      try {
        // Compare-and-swap: main moves only from the commit the run was built on.
        await git(["update-ref", "refs/heads/main", run.result_commit, run.base_commit ?? ""], {
          gitDir: project?.repo_path,
        });
      } catch {
        // Already moved by an earlier attempt of this job, or by someone else.
        const main = (
          await git(["rev-parse", "refs/heads/main"], { gitDir: project?.repo_path })
        ).trim();
        if (main !== run.result_commit) {
          return tools.fail(
            "The project's main moved while the run was building; nothing was merged into it",
          );
        }
      }
      await finishRun(db, { runId: run.id, status: "succeeded", exceptJob: job.id });
    });
}
