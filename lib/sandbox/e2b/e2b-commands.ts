import "server-only";
import { randomUUID } from "node:crypto";
import { CommandExitError, type CommandResult } from "@e2b/code-interpreter";
import { defaultSandboxLimits } from "@/lib/sandbox/limits";
import type { CommandOutcome, RunCommandOptions } from "@/lib/sandbox/provider";
import { sandboxPath } from "@/lib/sandbox/sandbox-paths";
import { fromE2b, toE2b } from "./e2b-files";
import { type E2bCommandHandle, type E2bSandbox, hitDeadline, kilnError } from "./e2b-sdk";

// Terminal commands in an E2B sandbox: the wrapper that carries a `cd` from one command to the
// next, and the run itself, stopped by an abort, the output cap or the deadline.

// E2B runs each command in a fresh shell, so a `cd` would not outlive it. As for local
// sandboxes (terminal.ts), the command runs in a shell started in the previous directory and
// the directory it ends in is written to a file, read back after. 97: the directory is gone.
function wrapper(directory: string, command: string, cwdFile: string): string {
  return [
    `cd ${shellQuote(directory)} || exit 97`,
    `eval ${shellQuote(command)}`,
    "kiln_status=$?",
    `pwd > ${shellQuote(cwdFile)} 2>/dev/null`,
    "exit $kiln_status",
  ].join("\n");
}

export async function runCommand(
  sandbox: E2bSandbox,
  context: { apiKey: string },
  options: RunCommandOptions,
): Promise<CommandOutcome> {
  // E2B sandboxes always have network; `options.network` cannot narrow it per command.
  const cwd = sandboxPath(options.workingDirectory);
  const { signal } = options;
  if (signal?.aborted) return { stdout: "", stderr: "", exitCode: 128 + 9, workingDirectory: cwd };
  const cwdFile = `/tmp/kiln-cwd-${randomUUID()}`;
  const timeoutMs = options.timeoutMs ?? defaultSandboxLimits.wallMs;
  // Run through a handle, so that Kiln itself kills the process when it stops waiting for it:
  // an abort, the output cap (as for local sandboxes) or the deadline.
  let command: E2bCommandHandle | undefined;
  let stoppedBy: "abort" | "output" | "wall" | undefined;
  const stop = (reason: typeof stoppedBy) => {
    stoppedBy ??= reason;
    command?.kill().catch(() => false);
  };
  const onAbort = () => stop("abort");
  const seen = { stdout: "", stderr: "", bytes: 0 };
  const collect = (key: "stdout" | "stderr", callback?: (chunk: string) => void) => {
    return (chunk: string) => {
      if (stoppedBy) return;
      const bytes = Buffer.from(chunk);
      const room = defaultSandboxLimits.outputBytes - seen.bytes;
      // A character cut in two at the cap is dropped rather than garbled.
      const kept =
        bytes.length > room
          ? new TextDecoder().decode(bytes.subarray(0, room), { stream: true })
          : chunk;
      seen[key] += kept;
      seen.bytes += Math.min(bytes.length, room);
      if (kept) callback?.(kept);
      if (bytes.length > room) stop("output");
    };
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const started = performance.now();
  let result: CommandResult | undefined;
  try {
    command = await sandbox.commands.run(wrapper(toE2b(cwd), options.command, cwdFile), {
      background: true,
      timeoutMs,
      onStdout: collect("stdout", options.onStdout),
      onStderr: collect("stderr", options.onStderr),
    });
    if (stoppedBy) stop(stoppedBy); // asked before the handle existed
    result = await command.wait();
  } catch (error) {
    if (error instanceof CommandExitError) {
      result = { exitCode: error.exitCode, stdout: error.stdout, stderr: error.stderr };
    } else if (hitDeadline(error, started, timeoutMs)) {
      stop("wall");
    } else if (!stoppedBy) {
      throw await kilnError(error, context, sandbox);
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  if (stoppedBy || !result) {
    const limit = stoppedBy === "abort" ? undefined : stoppedBy;
    return {
      stdout: seen.stdout,
      stderr: seen.stderr,
      exitCode: 128 + 9,
      workingDirectory: cwd,
      ...(limit ? { limit } : {}),
    };
  }
  const reported = await sandbox.files.read(cwdFile).then(
    (text) => {
      // Not awaited: the outcome does not depend on it, and a leftover file in /tmp is harmless.
      sandbox.files.remove(cwdFile).catch(() => {});
      return fromE2b(text.trim());
    },
    () => undefined, // the command exited the shell itself: the directory stays as it was
  );
  const isMissingDirectory = result.exitCode === 97 && reported === undefined;
  return {
    stdout: result.stdout,
    stderr: isMissingDirectory ? `${result.stderr}cd: ${cwd}: no such directory\n` : result.stderr,
    exitCode: result.exitCode,
    workingDirectory: reported ?? cwd,
  };
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
