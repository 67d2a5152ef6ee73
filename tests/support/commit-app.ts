import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// An app committed to a project's repository the way a run's result is, without running the
// pipeline: for the deployment tests and the deploy bench.

/** git with no configuration of this machine's, and a fixed author. */
export const gitEnv = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/tmp",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.test",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.test",
} as unknown as NodeJS.ProcessEnv;

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, env: gitEnv, encoding: "utf8" }).trim();

/** Writes `files` (path → content) under `dir`, making their folders. */
export function writeFiles(dir: string, files: Record<string, Buffer | string>) {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
}

/** Commits `files` on top of main in a clone of the project's repository; the commit. */
export function commitApp(repoPath: string, files: Record<string, Buffer | string>): string {
  const work = mkdtempSync(path.join(tmpdir(), "kiln-app-work-"));
  try {
    git(work, "clone", "--quiet", repoPath, ".");
    writeFiles(work, files);
    git(work, "add", "--all");
    git(work, "commit", "--quiet", "-m", "app");
    const commit = git(work, "rev-parse", "HEAD");
    git(work, "push", "--quiet", "origin", `HEAD:refs/heads/app-${commit.slice(0, 8)}`);
    return commit;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
