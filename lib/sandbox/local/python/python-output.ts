import "server-only";
import type { SandboxLimits } from "@/lib/sandbox/limits";
import type { SandboxResult } from "@/lib/sandbox/local/bwrap";
import type { Streaming } from "@/lib/sandbox/provider";
import type { CellResult, RuntimeError } from "@/lib/sandbox/result-schemas";

// What the Python kernel (python-session.ts) sends back, turned into an execution's result: its
// protocol lines parsed, stdout and stderr streamed and kept up to the per-execution cap, and the
// error that says why a kernel died. Apart from the session, which holds the kernel's lifecycle.

export interface KernelMessage {
  type?: string;
  id?: string;
  text?: string;
  results?: CellResult[];
  error?: RuntimeError | null;
  truncated?: boolean;
}

export function parseMessage(line: string): KernelMessage | undefined {
  try {
    const message = JSON.parse(line);
    return typeof message === "object" && message !== null ? message : undefined;
  } catch {
    return undefined;
  }
}

export function kernelError(name: string, value: string, traceback = ""): RuntimeError {
  return { name, value, traceback };
}

/** Why the kernel ended, for people; `kernel` gives the end of its own stderr. */
export function deathReason(
  result: SandboxResult,
  limits: SandboxLimits,
  kernel: { stderrTail: string },
): string {
  const MiB = 1024 * 1024;
  switch (result.limit) {
    case "memory":
      return `The kernel exceeded the memory limit (${Math.round(limits.memoryBytes / MiB)} MiB) and was killed.`;
    case "processes":
      return `The kernel exceeded the process limit (${limits.processes}) and was killed.`;
    case "wall":
      return "The session's lifetime ended and the kernel was killed.";
    case "file_size":
      return `The kernel wrote a file beyond the size limit (${Math.round(limits.fileBytes / MiB)} MiB) and was killed.`;
  }
  const detail = kernel.stderrTail.trim().split("\n").at(-1);
  const because = detail ? ` (${detail})` : "";
  if (result.signal) return "The kernel was killed.";
  if (result.exitCode === null) return `The kernel could not start${because}.`;
  return `The kernel exited with code ${result.exitCode}${because}.`;
}

/** One execution's stdout and stderr, streamed to the callbacks and kept up to a byte cap. */
export class OutputBuffer {
  private stdout = "";
  private stderr = "";
  private room: number;
  private isTruncated = false;

  constructor(
    capBytes: number,
    private readonly streaming: Streaming,
  ) {
    this.room = capBytes;
  }

  add(stream: "stdout" | "stderr", text: string) {
    if (this.isTruncated || !text) return;
    const bytes = Buffer.byteLength(text);
    if (bytes <= this.room) {
      this.room -= bytes;
      this.append(stream, text);
      return;
    }
    // encodeInto stops before a character that does not fit whole.
    const { read } = new TextEncoder().encodeInto(text, new Uint8Array(this.room));
    this.room = 0;
    this.append(stream, text.slice(0, read));
    this.truncate();
  }

  /** The kernel dropped output past the cap before it reached the host. */
  truncate() {
    if (this.isTruncated) return;
    this.isTruncated = true;
    this.append("stderr", "\n[output truncated: this execution wrote more than the limit]\n");
  }

  result() {
    return { stdout: this.stdout, stderr: this.stderr };
  }

  private append(stream: "stdout" | "stderr", text: string) {
    if (!text) return;
    if (stream === "stdout") {
      this.stdout += text;
      this.streaming.onStdout?.(text);
    } else {
      this.stderr += text;
      this.streaming.onStderr?.(text);
    }
  }
}
