import "server-only";
import { defaultSandboxLimits } from "@/lib/sandbox/limits";
import type { Execution, Streaming } from "@/lib/sandbox/provider";
import type { CellResult } from "@/lib/sandbox/result-schemas";
import { type E2bSandbox, hitDeadline, kilnError } from "./e2b-sdk";

// Running Python cells in an E2B sandbox's Jupyter kernel: streaming, cancelling and the
// deadline, after which the kernel is restarted so later cells do not queue behind this one.

export async function runCode(
  sandbox: E2bSandbox,
  context: { apiKey: string },
  code: string,
  options: Streaming & { timeoutMs?: number } = {},
): Promise<Execution> {
  const { signal } = options;
  if (signal?.aborted) return interrupted({}, "KeyboardInterrupt", "Cancelled before it started");
  const timeoutMs = options.timeoutMs ?? defaultSandboxLimits.wallMs;
  const seen = { stdout: "", stderr: "" };
  // Output of a cell left running after the answer went out is not passed on.
  let isAnswered = false;
  // As on local sandboxes, a cell's output is kept and passed on up to outputBytes in all.
  let room = defaultSandboxLimits.outputBytes;
  const stream = (key: "stdout" | "stderr", callback?: (chunk: string) => void) => {
    return ({ line }: { line: string }) => {
      if (isAnswered || room <= 0) return;
      const kept = capped(line, room);
      room -= Buffer.byteLength(kept);
      seen[key] += kept;
      callback?.(kept);
    };
  };
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  const started = performance.now();
  const running = sandbox.runCode(code, {
    timeoutMs,
    onStdout: stream("stdout", options.onStdout),
    onStderr: stream("stderr", options.onStderr),
  });
  running.catch(() => {}); // settled after an abort, when nobody waits for it
  try {
    const execution = await Promise.race([running, aborted]);
    isAnswered = true;
    if (!execution) {
      const value = `Cancelled; ${await restartKernel(sandbox)}`;
      return interrupted(seen, "KeyboardInterrupt", value);
    }
    const { name, value, traceback } = execution.error ?? {};
    const allStdout = execution.logs.stdout.join("");
    const allStderr = execution.logs.stderr.join("");
    const stdout = capped(allStdout, defaultSandboxLimits.outputBytes);
    const stderr = capped(allStderr, defaultSandboxLimits.outputBytes - Buffer.byteLength(stdout));
    const cut = stdout.length + stderr.length < allStdout.length + allStderr.length;
    return {
      stdout,
      stderr: cut
        ? `${stderr}\n[output truncated at ${defaultSandboxLimits.outputBytes} bytes]\n`
        : stderr,
      runtimeError:
        name !== undefined ? { name, value: value ?? "", traceback: traceback ?? "" } : null,
      // A chart comes with a text form too ("<Figure size 640x480 ...>"); the image is the result.
      cellResults: execution.results.flatMap((r): CellResult[] =>
        r.png ? [{ png: r.png }] : r.text !== undefined ? [{ text: r.text }] : [],
      ),
    };
  } catch (error) {
    isAnswered = true;
    if (!hitDeadline(error, started, timeoutMs)) throw await kilnError(error, context, sandbox);
    const value = `Execution exceeded ${timeoutMs / 1000} s; ${await restartKernel(sandbox)}`;
    return { ...interrupted(seen, "TimeoutError", value), limit: "wall" };
  } finally {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

/** `text` cut to at most `bytes` bytes of UTF-8, never inside a character. */
function capped(text: string, bytes: number): string {
  if (bytes <= 0) return "";
  const encoded = Buffer.from(text);
  if (encoded.length <= bytes) return text;
  return encoded
    .subarray(0, bytes)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
}

function interrupted(
  seen: { stdout?: string; stderr?: string },
  name: string,
  value: string,
): Execution {
  return {
    stdout: seen.stdout ?? "",
    stderr: seen.stderr ?? "",
    runtimeError: { name, value, traceback: "" },
    cellResults: [],
  };
}

// E2B's server leaves a cell running when its client stops waiting, and the kernel runs one cell
// at a time: without a restart, every later run would queue behind a runaway loop.
async function restartKernel(sandbox: E2bSandbox): Promise<string> {
  try {
    const python = (await sandbox.listCodeContexts()).find((c) => c.language === "python");
    if (python) {
      await sandbox.restartCodeContext(python.id);
      return "the kernel was restarted, so variables and imports from earlier runs are gone.";
    }
  } catch {
    // Reported below; the sandbox may be gone, which the next call will say.
  }
  return "the cell may still be running.";
}
