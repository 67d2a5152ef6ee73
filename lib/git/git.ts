import "server-only";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { runFile } from "./process-runner";

// The real `git` command, run without a shell and without the host user's configuration:
// repositories Kiln writes look the same on every machine, and nothing a user set globally
// (hooks, signing, templates) runs on Kiln's behalf.

const identity = { name: "Kiln", email: "kiln@localhost" };

// Plain fields, not parameter properties: `npm run worker` runs this file with Node's type
// stripping, which does not support them.
export class GitError extends Error {
  readonly args: string[];
  readonly stderr: string;

  constructor(args: string[], stderr: string) {
    super(`git ${args[0]} failed: ${stderr.trim().split("\n").at(-1) ?? "no output"}`);
    this.name = "GitError";
    this.args = args;
    this.stderr = stderr;
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
  // From the small helper process (process-runner.ts): forking Kiln's own is slow.
  return runFile("git", ["-c", "core.hooksPath=/dev/null", ...args], {
    cwd: options.cwd,
    env,
    maxBuffer: 64 * 1024 * 1024,
    // To git's stdin; git may exit before reading all of it, and its exit status then says why.
    input: options.input,
  }).then(({ error, stdout, stderr }) => {
    if (error) throw new GitError(args, stderr || error);
    return stdout;
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
  const names = Object.keys(files);
  for (const name of names) {
    if (name.includes("/") || name.includes("\0") || name.includes("\n") || name === "") {
      throw new Error(`not a top-level file name: ${JSON.stringify(name)}`);
    }
  }
  await mkdir(path.dirname(repoPath), { recursive: true });
  await mkdir(repoPath); // refuses an existing path
  const commit = await commitFiles(
    repoPath,
    names.map((name) => ({ path: name, content: files[name]! })),
    message,
    "refs/heads/main",
  );
  return { commit };
}

/**
 * A commit (with no parent) of `files` at their paths, in the bare repository at `gitDir`, made
 * there first if it is not yet; kept from pruning under `ref`. Paths are relative, "/"-separated
 * and already checked (no "..", empty parts or control characters).
 */
export async function commitFiles(
  gitDir: string,
  files: { path: string; content: string }[],
  message: string,
  ref: string,
): Promise<string> {
  await mkdir(gitDir, { recursive: true });
  await git(["init", "--quiet", "--bare", "--initial-branch=main", gitDir]);
  interface Dir {
    blobs: Map<string, string>;
    dirs: Map<string, Dir>;
  }
  const root: Dir = { blobs: new Map(), dirs: new Map() };
  for (const file of files) {
    const parts = file.path.split("/");
    const name = parts.pop()!;
    let dir = root;
    for (const part of parts) {
      const next = dir.dirs.get(part) ?? { blobs: new Map(), dirs: new Map() };
      dir.dirs.set(part, next);
      dir = next;
    }
    const blob = (
      await git(["hash-object", "-w", "--stdin"], { gitDir, input: file.content })
    ).trim();
    dir.blobs.set(name, blob);
  }
  const writeTree = async (dir: Dir): Promise<string> => {
    const entries = [...dir.blobs].map(([name, blob]) => `100644 blob ${blob}\t${name}`);
    for (const [name, sub] of dir.dirs)
      entries.push(`040000 tree ${await writeTree(sub)}\t${name}`);
    return (await git(["mktree"], { gitDir, input: `${entries.join("\n")}\n` })).trim();
  };
  const tree = await writeTree(root);
  const commit = (await git(["commit-tree", tree, "-m", message], { gitDir })).trim();
  await git(["update-ref", ref, commit], { gitDir });
  return commit;
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

/** A new worktree at `dir` on a new branch `branch` that starts at `base`. */
export async function addWorktree(gitDir: string, dir: string, branch: string, base: string) {
  await git(["worktree", "add", "--quiet", "-b", branch, dir, base], { gitDir });
}

export async function removeWorktree(gitDir: string, dir: string) {
  await git(["worktree", "remove", "--force", dir], { gitDir });
}

/**
 * Commits everything in a worktree; resolves with the commit and the files it added and
 * changed, or undefined when there was nothing to commit.
 */
export async function commitAll(
  dir: string,
  message: string,
): Promise<{ commit: string; added: string[]; modified: string[] } | undefined> {
  await git(["add", "--all"], { cwd: dir });
  const status = await git(["diff", "--cached", "--name-status", "--no-renames", "-z"], {
    cwd: dir,
  });
  const fields = status.split("\0").filter(Boolean);
  const added: string[] = [];
  const modified: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [kind, file] = [fields[i]!, fields[i + 1]!];
    if (kind === "A") added.push(file);
    else modified.push(file);
  }
  if (added.length + modified.length === 0) return undefined;
  await git(["commit", "--quiet", "--no-verify", "-m", message], { cwd: dir });
  const commit = (await git(["rev-parse", "HEAD"], { cwd: dir })).trim();
  return { commit, added, modified };
}

/**
 * Merges `branch` into the worktree's branch with a merge commit. On a conflict the merge is
 * undone and the conflicting files are named.
 */
export async function mergeBranch(
  dir: string,
  branch: string,
  message: string,
): Promise<{ ok: true; commit: string } | { ok: false; conflicts: string[] }> {
  try {
    await git(["merge", "--no-ff", "--no-edit", "-m", message, branch], { cwd: dir });
    return { ok: true, commit: (await git(["rev-parse", "HEAD"], { cwd: dir })).trim() };
  } catch (error) {
    const conflicts = (await git(["diff", "--name-only", "--diff-filter=U"], { cwd: dir }))
      .split("\n")
      .filter(Boolean);
    await git(["merge", "--abort"], { cwd: dir }).catch(() => {});
    if (conflicts.length === 0) throw error;
    return { ok: false, conflicts };
  }
}
