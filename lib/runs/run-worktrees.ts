import "server-only";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Database } from "@/lib/db/types";
import { getEnv } from "@/lib/env";
import { git } from "@/lib/git/git";
import { processSlot } from "@/lib/process-lifetime";

// A run's git worktrees in the project repository: where they live, how one is made for a task,
// and their removal once the run has ended (its branches and commits stay in the repository;
// only the checkouts, which verification fills with installed dependencies, go).

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

export async function withRepoLock<T>(
  db: Database,
  gitDir: string,
  work: () => Promise<T>,
): Promise<T> {
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
export async function prepareWorktree(gitDir: string, dir: string, branch: string, base: string) {
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

/** Removes the worktrees of an ended run and its directory; the branches are kept. */
export async function removeRunWorktrees(
  db: Database,
  run: { projectId: string; runNumber: number; gitDir: string },
): Promise<void> {
  const root = runWorkRoot(run.projectId, run.runNumber);
  await withRepoLock(db, run.gitDir, async () => {
    const listing = await git(["worktree", "list", "--porcelain"], { gitDir: run.gitDir });
    for (const block of listing.split("\n\n")) {
      const at = /^worktree (.+)$/m.exec(block)?.[1];
      if (at?.startsWith(`${root}${path.sep}`)) {
        await git(["worktree", "remove", "--force", at], { gitDir: run.gitDir }).catch(() => {});
      }
    }
    await rm(root, { recursive: true, force: true });
    await git(["worktree", "prune"], { gitDir: run.gitDir });
  });
}
