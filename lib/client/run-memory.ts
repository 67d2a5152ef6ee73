import type { SandboxRunState } from "./ide-types";

// A chat's last run, remembered in this browser (localStorage), so that a reload shows its
// output again while the chat's sandbox still runs. Best effort: a full or disabled storage
// only means the output is not shown after a reload.

const prefix = "kiln.run.";
const keptLogLines = 100;

export function rememberRun(chatId: string, run: SandboxRunState): void {
  if (run.status !== "done" && run.status !== "failed") return;
  const { isSandboxGone: _gone, ...kept } = run;
  try {
    localStorage.setItem(
      prefix + chatId,
      JSON.stringify({ ...kept, log: run.log.slice(-keptLogLines) }),
    );
  } catch {
    // Storage full or off: nothing to remember with.
  }
}

export function recallRun(chatId: string): SandboxRunState | undefined {
  try {
    const stored = localStorage.getItem(prefix + chatId);
    const run = stored ? (JSON.parse(stored) as SandboxRunState) : undefined;
    return run && Array.isArray(run.log) && typeof run.status === "string" ? run : undefined;
  } catch {
    return undefined;
  }
}

export function forgetRun(chatId: string): void {
  try {
    localStorage.removeItem(prefix + chatId);
  } catch {
    // Nothing stored, or no storage.
  }
}
