import "server-only";
import { KilnError } from "@/lib/errors";
import { prefixedId } from "@/lib/ids";
import { processSlot } from "@/lib/process-lifetime";
import { getSandboxOrThrow } from "./open-sandbox";
import type { CommandOutcome } from "./provider";
import { setWorkingDirectory } from "./sandboxes";

// POST /api/terminal: one shell command in the caller's sandbox, starting where the last one
// left off (a `cd` carries over). Streamed commands get an id so that their owner can stop
// them from another request; closing the stream stops them too.

interface Running {
  userId: string;
  sbxId: string;
  abort: AbortController;
}

const running = processSlot("terminal-commands", () => new Map<string, Running>());

const commandTimeoutMs = 10 * 60_000;
// Each command is a sandboxed run with limits of its own; this bounds what one sandbox holds at
// once (a dev server started from the terminal is one of them).
const maxCommandsPerSandbox = 4;

export async function runTerminalCommand(options: {
  userId: string;
  sbxId: string;
  command: string;
  workingDirectory?: string;
  onStart?(commandId: string): void;
  onStdout?(text: string): void;
  onStderr?(text: string): void;
  signal?: AbortSignal;
}): Promise<CommandOutcome & { commandId: string }> {
  const { row, handle } = await getSandboxOrThrow(options.userId, options.sbxId);
  const busy = [...running.values()].filter((command) => command.sbxId === row.id).length;
  if (busy >= maxCommandsPerSandbox) {
    throw new KilnError(
      "CONFLICT",
      `${busy} commands are still running in sandbox ${row.id}, the most at once; wait for one or stop it`,
      { reason: "too_many_commands" },
    );
  }
  const commandId = prefixedId("cmd");
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  running.set(commandId, { userId: options.userId, sbxId: row.id, abort });
  try {
    options.onStart?.(commandId);
    const outcome = await handle.runCommand({
      command: options.command,
      workingDirectory: options.workingDirectory ?? row.workingDirectory,
      timeoutMs: commandTimeoutMs,
      signal: abort.signal,
      onStdout: options.onStdout,
      onStderr: options.onStderr,
    });
    if (outcome.workingDirectory !== row.workingDirectory) {
      await setWorkingDirectory(row.id, outcome.workingDirectory);
    }
    return { ...outcome, commandId };
  } finally {
    running.delete(commandId);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** Stops a streamed command of the caller's; someone else's command id is 404. */
export function stopTerminalCommand(options: { userId: string; commandId: string }) {
  const command = running.get(options.commandId);
  if (!command || command.userId !== options.userId) {
    throw new KilnError("NOT_FOUND", `No running command ${options.commandId}`);
  }
  command.abort.abort();
}
