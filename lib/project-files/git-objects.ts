import "server-only";
import { execFile, spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { GitError } from "@/lib/git/git";

// Read-only access to a project's bare repository through git's object database: a ref to a
// commit, what a path is at that commit, a tree's entries, a blob's bytes, and a zip of a
// commit written straight to a file. Same environment as lib/git/git.ts (no user or system
// configuration, no hooks), but bytes come back as Buffers: file contents may be binary.
// Every argument after the subcommand is a 40-hex object id or `<id>:<path>`, never text a
// client chose on its own, so nothing here can be read by git as an option.

const baseEnv = {
  PATH: "/usr/local/bin:/usr/bin:/bin",
  LANG: "C",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
};
const envFor = (gitDir: string) =>
  Object.assign({} as NodeJS.ProcessEnv, baseEnv, { GIT_DIR: gitDir });

const baseArgs = ["-c", "core.hooksPath=/dev/null"];

export const objectIdPattern = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function run(
  gitDir: string,
  args: string[],
  options: { input?: string; maxBytes?: number } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      [...baseArgs, ...args],
      {
        env: envFor(gitDir),
        encoding: "buffer",
        maxBuffer: options.maxBytes ?? 64 * 1024 * 1024,
      },
      (error: Error | null, stdout: Buffer, stderr: Buffer) => {
        if (error) reject(new GitError(args, stderr.toString("utf8") || error.message));
        else resolve(stdout);
      },
    );
    // git may exit without reading its input (or before all of it): its exit status says what
    // happened, and a broken pipe on the way must not become an uncaught exception.
    child.stdin?.on("error", () => {});
    child.stdin?.end(options.input ?? "");
  });
}

/** The commit a branch, tag or (abbreviated) commit id names, or undefined when none. */
export async function resolveCommit(gitDir: string, ref: string): Promise<string | undefined> {
  if (ref.startsWith("-")) return undefined; // callers validate; this is the last line
  try {
    const out = await run(gitDir, [
      "rev-parse",
      "--verify",
      "--quiet",
      "--end-of-options",
      `${ref}^{commit}`,
    ]);
    const commit = out.toString("utf8").trim();
    return objectIdPattern.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

export type ObjectKind = "blob" | "tree" | "commit" | "tag";

/** What `path` is in `commit` (the root for ""): its id, kind and size, or undefined. */
export async function describePath(
  gitDir: string,
  commit: string,
  path: string,
): Promise<{ id: string; kind: ObjectKind; size: number } | undefined> {
  if (!objectIdPattern.test(commit) || /[\n\r]/.test(path)) return undefined;
  const out = (
    await run(gitDir, ["cat-file", "--batch-check"], { input: `${commit}:${path}\n` })
  ).toString("utf8");
  const match = /^([0-9a-f]{40,64}) (blob|tree|commit|tag) (\d+)\n?$/.exec(out);
  if (!match) return undefined;
  return { id: match[1]!, kind: match[2] as ObjectKind, size: Number(match[3]) };
}

export interface TreeEntry {
  name: string;
  mode: string;
  kind: ObjectKind;
  /** Blobs only. */
  size?: number;
}

/** The entries of a tree object, in git's order. */
export async function readTree(gitDir: string, tree: string): Promise<TreeEntry[]> {
  if (!objectIdPattern.test(tree)) throw new Error(`not an object id: ${tree}`);
  const out = await run(gitDir, ["ls-tree", "-z", "--long", tree], {
    maxBytes: 256 * 1024 * 1024,
  });
  const entries: TreeEntry[] = [];
  for (const record of out.toString("utf8").split("\0")) {
    if (!record) continue;
    const tab = record.indexOf("\t");
    const [mode = "", kind = "", , size = "-"] = record.slice(0, tab).split(/ +/);
    entries.push({
      name: record.slice(tab + 1),
      mode,
      kind: kind as ObjectKind,
      ...(size === "-" ? {} : { size: Number(size) }),
    });
  }
  return entries;
}

export interface TreeFile {
  /** Its path from the root, with "/" between names. */
  path: string;
  blob: string;
  mode: string;
  size: number;
}

/** Every regular file of `commit`'s tree, in git's order; links and submodules are left out. */
export async function listTreeFiles(gitDir: string, commit: string): Promise<TreeFile[]> {
  if (!objectIdPattern.test(commit)) throw new Error(`not an object id: ${commit}`);
  const out = await run(gitDir, ["ls-tree", "-r", "-z", "--long", `${commit}^{tree}`], {
    maxBytes: 256 * 1024 * 1024,
  });
  const files: TreeFile[] = [];
  for (const record of out.toString("utf8").split("\0")) {
    if (!record) continue;
    const tab = record.indexOf("\t");
    const [mode = "", kind = "", blob = "", size = "0"] = record.slice(0, tab).split(/ +/);
    if (kind !== "blob" || mode === "120000") continue;
    files.push({ path: record.slice(tab + 1), blob, mode, size: Number(size) });
  }
  return files;
}

/** A blob's bytes. */
export async function readBlob(gitDir: string, blob: string, size: number): Promise<Buffer> {
  if (!objectIdPattern.test(blob)) throw new Error(`not an object id: ${blob}`);
  return run(gitDir, ["cat-file", "blob", blob], { maxBytes: size + 1 });
}

/**
 * Writes a zip of `commit`'s tree to `outputPath`, every file under `prefix`. git writes the
 * file itself, so the bytes never pass through this process. The repository's own
 * `.gitattributes` may say `export-ignore` or `export-subst`; an export is the tree as
 * committed, so $GIT_DIR/info/attributes (which outranks the tree's) turns both off.
 */
export async function archiveZip(options: {
  gitDir: string;
  commit: string;
  prefix: string;
  outputPath: string;
  signal?: AbortSignal;
}): Promise<void> {
  const { gitDir, commit, prefix, outputPath, signal } = options;
  if (!objectIdPattern.test(commit)) throw new Error(`not an object id: ${commit}`);
  await ensureExactArchives(gitDir);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      "git",
      [
        ...baseArgs,
        "archive",
        "--format=zip",
        `--prefix=${prefix}`,
        `--output=${outputPath}`,
        "--end-of-options",
        commit,
      ],
      { env: envFor(gitDir), stdio: ["ignore", "ignore", "pipe"], signal },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code: number | null) =>
      code === 0 ? resolve() : reject(new GitError(["archive"], stderr || `exit ${code}`)),
    );
  });
}

const exactArchives = "* -export-ignore -export-subst\n";

async function ensureExactArchives(gitDir: string): Promise<void> {
  const file = `${gitDir}/info/attributes`;
  const current = await readFile(file, "utf8").catch(() => "");
  if (current.includes(exactArchives)) return;
  await mkdir(`${gitDir}/info`, { recursive: true });
  await writeFile(
    file,
    `${current}${current && !current.endsWith("\n") ? "\n" : ""}${exactArchives}`,
  );
}
