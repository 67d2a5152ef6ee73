import "server-only";
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { type RunInSandboxOptions, runInSandbox } from "./bwrap";
import type { SandboxLimits } from "./limits";
import { sandboxPath, sandboxRoot } from "./workspace";

// A shell command in a sandbox, as a terminal runs it: in the working directory the last
// command left, which a `cd` changes for the next. The directory is read back from a file the
// wrapper writes inside the workspace's private .kiln folder.

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  workingDirectory: string;
  /** Set when a limit (wall time, memory, ...) ended the command. */
  limit?: string;
}

const cwdFile = ".kiln/cwd";

// $1 is the working directory, $2 the command. The command runs in this shell (so `cd` and
// exported variables affect the pwd written at the end), and its status is the script's.
const wrapper = [
  'cd "$1" || exit 97',
  'eval "$2"',
  "status=$?",
  `pwd > ${sandboxRoot}/${cwdFile} 2>/dev/null`,
  "exit $status",
].join("\n");

export async function runCommand(options: {
  workspace: string;
  command: string;
  workingDirectory: string;
  limits?: Partial<SandboxLimits>;
  network?: boolean;
  readOnlyBinds?: RunInSandboxOptions["readOnlyBinds"];
  env?: Record<string, string>;
  bwrap?: string;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}): Promise<CommandResult> {
  const cwd = sandboxPath(options.workingDirectory);
  await mkdir(path.join(options.workspace, ".kiln"), { recursive: true });
  await rm(path.join(options.workspace, cwdFile), { force: true });
  const run = runInSandbox({
    workspace: options.workspace,
    command: ["/bin/sh", "-c", wrapper, "sh", cwd, options.command],
    limits: options.limits,
    network: options.network,
    readOnlyBinds: options.readOnlyBinds,
    env: options.env,
    bwrap: options.bwrap,
    onStdout: options.onStdout,
    onStderr: options.onStderr,
    signal: options.signal,
  });
  const result = await run.done;
  let workingDirectory = cwd;
  const written = await readFile(path.join(options.workspace, cwdFile), "utf8").catch(() => "");
  const reported = written.trim();
  // Only a directory inside the workspace counts; anything else keeps the old one.
  if (reported === sandboxRoot || reported.startsWith(`${sandboxRoot}/`))
    workingDirectory = reported;
  return {
    stdout: result.stdout,
    stderr:
      result.exitCode === 97 && !result.limit
        ? `${result.stderr}cd: ${cwd}: no such directory\n`
        : result.stderr,
    exitCode: result.exitCode ?? 128 + 9,
    workingDirectory,
    ...(result.limit ? { limit: result.limit } : {}),
  };
}
