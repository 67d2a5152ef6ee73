import "server-only";
import { existsSync } from "node:fs";
import path from "node:path";
import { addWorktree, mergeBranch } from "@/lib/git/git";

// The merge step of a build run: the tasks' branches, in the plan's merge order, into the run's
// own branch, which starts at the run's base commit. One merge commit per task; the first
// conflict stops the merge and names the task and its files.

export type MergeEvent =
  | { type: "TASK_MERGED"; taskSlug: string; payload: { branchName: string; commitSha: string } }
  | { type: "MERGE_CONFLICT"; taskSlug: string; payload: { branchName: string; files: string[] } };

export async function mergeTasks(options: {
  gitDir: string;
  base: string;
  runBranch: string;
  workRoot: string;
  /** In merge order. */
  tasks: { slug: string; branchName: string }[];
  emit: (event: MergeEvent) => Promise<void>;
}): Promise<
  | { ok: true; commitSha: string; worktreePath: string }
  | { ok: false; taskSlug: string; files: string[] }
> {
  const worktreePath = path.join(options.workRoot, options.runBranch.replaceAll("/", "-"));
  if (!existsSync(worktreePath)) {
    await addWorktree(options.gitDir, worktreePath, options.runBranch, options.base);
  }
  let commitSha = options.base;
  for (const task of options.tasks) {
    const merged = await mergeBranch(worktreePath, task.branchName, `Merge ${task.branchName}`);
    if (!merged.ok) {
      await options.emit({
        type: "MERGE_CONFLICT",
        taskSlug: task.slug,
        payload: { branchName: task.branchName, files: merged.conflicts },
      });
      return { ok: false, taskSlug: task.slug, files: merged.conflicts };
    }
    commitSha = merged.commit;
    await options.emit({
      type: "TASK_MERGED",
      taskSlug: task.slug,
      payload: { branchName: task.branchName, commitSha },
    });
  }
  return { ok: true, commitSha, worktreePath };
}
