import "server-only";
import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";

// The real `git` command, run without a shell and without the host user's configuration:
// repositories Kiln writes look the same on every machine, and nothing a user set globally
// (hooks, signing, templates) runs on Kiln's behalf.

const identity = { name: "Kiln", email: "kiln@localhost" };

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(`git ${args[0]} failed: ${stderr.trim().split("\n").at(-1) ?? "no output"}`);
    this.name = "GitError";
  }
}

/** Runs `git` with the given arguments; resolves with its stdout. */
export function git(
  args: string[],
  options: { cwd?: string; gitDir?: string; input?: string; date?: Date } = {},
): Promise<string> {
  const date = (options.date ?? new Date()).toISOString();
  const env: Record<string, string> = {
    // Where Debian and the usual installers put git; the caller's PATH is not consulted.
    PATH: "/usr/local/bin:/usr/bin:/bin",
    LANG: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
    GIT_COMMITTER_DATE: date,
    ...(options.gitDir ? { GIT_DIR: options.gitDir } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      ["-c", "core.hooksPath=/dev/null", ...args],
      {
        cwd: options.cwd,
        env: Object.assign({} as NodeJS.ProcessEnv, env),
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) reject(new GitError(args, stderr || error.message));
        else resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * A new bare repository at `repoPath` whose `main` holds one commit with the given files (at
 * the top level). Fails if something is already there.
 */
export async function createBareRepository(
  repoPath: string,
  files: Record<string, string>,
  message: string,
): Promise<{ commit: string }> {
  await mkdir(path.dirname(repoPath), { recursive: true });
  await mkdir(repoPath); // refuses an existing path
  await git(["init", "--quiet", "--bare", "--initial-branch=main", repoPath]);
  const gitDir = repoPath;
  const entries: string[] = [];
  for (const [name, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    if (name.includes("/") || name.includes("\0") || name.includes("\n") || name === "") {
      throw new Error(`not a top-level file name: ${JSON.stringify(name)}`);
    }
    const blob = (await git(["hash-object", "-w", "--stdin"], { gitDir, input: content })).trim();
    entries.push(`100644 blob ${blob}\t${name}`);
  }
  const tree = (await git(["mktree"], { gitDir, input: `${entries.join("\n")}\n` })).trim();
  const commit = (await git(["commit-tree", tree, "-m", message], { gitDir })).trim();
  await git(["update-ref", "refs/heads/main", commit, ""], { gitDir });
  return { commit };
}

/** The commit a branch points at, or undefined when there is no such branch. */
export async function branchHead(gitDir: string, branch: string): Promise<string | undefined> {
  try {
    return (
      await git(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], { gitDir })
    ).trim();
  } catch {
    return undefined;
  }
}

/** A file's content at a commit-ish, or undefined when it is not there. */
export async function readFileAt(
  gitDir: string,
  ref: string,
  file: string,
): Promise<string | undefined> {
  try {
    return await git(["show", `${ref}:${file}`], { gitDir });
  } catch {
    return undefined;
  }
}
