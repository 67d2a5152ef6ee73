import "server-only";
import type { SandboxLimits } from "@/lib/sandbox/limits";
import { sandboxPath, sandboxRoot } from "@/lib/sandbox/sandbox-paths";
import { runInSandbox } from "./bwrap";
import type { RunInSandboxOptions } from "./bwrap-args";

// A shell command in a sandbox, as a terminal runs it: in the working directory the last
// command left, which a `cd` changes for the next. The wrapper reports that directory on fd 3,
// which the command itself does not get (and which only names a directory anyway, checked
// below): nothing is read from the workspace, whose files the sandbox controls.

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  workingDirectory: string;
  /** Set when a limit (wall time, memory, ...) ended the command. */
  limit?: string;
}

// $1 is the working directory, $2 the command. The command runs in this shell (so `cd` and
// exported variables affect the pwd reported at the end), and its status is the script's.
const wrapper = [
  'cd "$1" 3>&- || exit 97',
  'eval "$2" 3>&-',
  "status=$?",
  "pwd >&3",
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
  const run = runInSandbox({
    workspace: options.workspace,
    command: ["/bin/sh", "-c", wrapper, "sh", cwd, options.command],
    channel: true,
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
  const reported = (result.channel ?? "").trim();
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
