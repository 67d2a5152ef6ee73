import "server-only";
import path from "node:path";
import { KilnError } from "@/lib/errors";
import { resolveSandboxLimits, type SandboxLimits } from "@/lib/sandbox/limits";
import { runInSandbox, type SandboxResult, type SandboxRun } from "@/lib/sandbox/local/bwrap";
import type { Execution, Streaming } from "@/lib/sandbox/provider";
import type { RuntimeError } from "@/lib/sandbox/result-schemas";
import { sandboxRoot } from "@/lib/sandbox/sandbox-paths";
import {
  deathReason,
  type KernelMessage,
  kernelError,
  OutputBuffer,
  parseMessage,
} from "./python-output";

// A persistent Python interpreter in a sandbox, for the code-interpreter template: the kernel in
// python-kernel.py (which documents the protocol) keeps one namespace across executions, as
// Jupyter does. It starts on the first execution; when it dies (a limit, os._exit, a cell that
// would not stop) the execution says so and the next one starts a fresh kernel.

export interface RunCodeOptions extends Streaming {
  /** Default 30 s. Past it the cell is interrupted; if it does not stop, the kernel is killed. */
  timeoutMs?: number;
}

export interface PythonSession {
  /** Runs one cell; calls wait for the ones before them. */
  run(code: string, options?: RunCodeOptions): Promise<Execution>;
  /** Kills the kernel; an execution in progress ends with a KernelDied error. */
  close(): Promise<void>;
  /**
   * Until close() or the end of the lifetime. A dead kernel does not count: the next execution
   * starts another, so a caller keeps one session per sandbox for as long as this holds.
   */
  readonly alive: boolean;
}

export interface StartPythonSessionOptions {
  workspace: string;
  /** How long the session may run at most, from now; the kernel is killed at that point. */
  lifetimeMs: number;
  /** `outputBytes` caps the stdout and stderr kept per execution. */
  limits?: Partial<SandboxLimits>;
  bwrap?: string;
}

const python = "/usr/bin/python3";
const kernelInSandbox = "/opt/kiln/kernel.py";
// From the repository root, which is the working directory of the app and of vitest; a path
// relative to this module would point into .next/server once `next build` has bundled it.
const kernelOnHost = path.join(process.cwd(), "lib/sandbox/local/python/python-kernel.py");
const defaultTimeoutMs = 30_000;
// How long a cell may ignore an interrupt before the kernel is killed.
const interruptGraceMs = 2_000;
// A protocol line longer than this means the kernel's channel is corrupt.
const maxLineChars = 32 * 1024 * 1024;
const stateLost = "Its state is lost; the next execution starts a fresh kernel.";

interface Kernel {
  run: SandboxRun;
  send(message: object): void;
  /** The execution in progress, which receives the kernel's messages and its death. */
  listener?: { message(message: KernelMessage): void; exit(result: SandboxResult): void };
  hasExited: boolean;
  /** The end of the kernel's own stderr (bwrap's complaints, a crash), for error messages. */
  stderrTail: string;
}

export function startPythonSession(options: StartPythonSessionOptions): PythonSession {
  const limits = resolveSandboxLimits({ ...options.limits, wallMs: options.lifetimeMs });
  const deadline = Date.now() + options.lifetimeMs;
  let kernel: Kernel | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let isClosed = false;
  let nextId = 1;
  // Set when a kernel died between executions, so the next one can say its state is gone.
  let idleDeath: string | undefined;

  const startKernel = (): Kernel => {
    let pending = "";
    const started: Kernel = {
      run: runInSandbox({
        workspace: options.workspace,
        command: [python, "-E", "-u", kernelInSandbox],
        readOnlyBinds: [{ host: kernelOnHost, sandbox: kernelInSandbox }],
        env: { MPLBACKEND: "Agg", MPLCONFIGDIR: `${sandboxRoot}/.kiln/matplotlib` },
        limits: { ...limits, wallMs: Math.max(deadline - Date.now(), 100) },
        openStdin: true,
        streamOnly: true,
        onStdout: (chunk) => {
          const lines = chunk.split("\n");
          lines[0] = pending + lines[0];
          pending = lines.pop()!;
          if (pending.length > maxLineChars) started.run.kill();
          for (const line of lines) {
            const message = parseMessage(line);
            if (message) started.listener?.message(message);
          }
        },
        onStderr: (chunk) => {
          started.stderrTail = (started.stderrTail + chunk).slice(-2000);
        },
        bwrap: options.bwrap,
      }),
      send: (message) => started.run.stdin?.write(`${JSON.stringify(message)}\n`),
      hasExited: false,
      stderrTail: "",
    };
    const onExit = (result: SandboxResult) => {
      started.hasExited = true;
      if (started.listener) started.listener.exit(result);
      else if (!isClosed) idleDeath = deathReason(result, limits, started);
    };
    started.run.done.then(onExit, (error: Error) => {
      started.stderrTail = error.message;
      onExit({ exitCode: null, signal: null, stdout: "", stderr: "", durationMs: 0 });
    });
    return started;
  };

  const execute = async (code: string, runOptions: RunCodeOptions): Promise<Execution> => {
    if (isClosed) throw closedError();
    if (runOptions.signal?.aborted) {
      const runtimeError = kernelError("KeyboardInterrupt", "Cancelled before it started");
      return { stdout: "", stderr: "", runtimeError, cellResults: [] };
    }
    if (!session.alive) {
      throw new KilnError("CONFLICT", "The Python session's lifetime has ended");
    }
    if (!kernel || kernel.hasExited) kernel = startKernel();
    const current = kernel;
    const id = String(nextId++);
    const timeoutMs = runOptions.timeoutMs ?? defaultTimeoutMs;
    const timeoutMessage = `Execution exceeded ${timeoutMs / 1000} s`;
    const output = new OutputBuffer(limits.outputBytes, runOptions);
    if (idleDeath) output.add("stderr", `[${idleDeath} This is a fresh kernel: state is lost.]\n`);
    idleDeath = undefined;

    return new Promise<Execution>((resolve) => {
      let interrupted: "timeout" | "abort" | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const settle = (execution: Omit<Execution, "stdout" | "stderr">) => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        runOptions.signal?.removeEventListener("abort", onAbort);
        current.listener = undefined;
        resolve({ ...output.result(), ...execution });
      };
      // The kernel raises into the cell; only a cell that ignores that needs the kill.
      const interrupt = (reason: "timeout" | "abort", message: string) => {
        if (interrupted) return;
        interrupted = reason;
        current.send({ type: "interrupt", id, reason, message });
        killTimer = setTimeout(() => current.run.kill(), interruptGraceMs);
      };
      const timer = setTimeout(() => interrupt("timeout", timeoutMessage), timeoutMs);
      const onAbort = () => interrupt("abort", "Execution cancelled");
      runOptions.signal?.addEventListener("abort", onAbort, { once: true });

      current.listener = {
        message(message) {
          if (message.id !== id) return;
          if (message.type === "stdout" || message.type === "stderr") {
            output.add(message.type, message.text ?? "");
          } else if (message.type === "result") {
            if (message.truncated) output.truncate();
            const runtimeError = message.error ?? null;
            const timedOut = interrupted === "timeout" && runtimeError?.name === "TimeoutError";
            settle({
              runtimeError,
              cellResults: message.results ?? [],
              ...(timedOut ? { limit: "wall" } : {}),
            });
          }
        },
        exit(result) {
          let runtimeError: RuntimeError;
          if (isClosed) {
            runtimeError = kernelError("KernelDied", "The session was closed.");
          } else if (interrupted === "timeout") {
            const reason = `${timeoutMessage}; the cell did not stop and the kernel was killed.`;
            runtimeError = kernelError("TimeoutError", `${reason} ${stateLost}`);
          } else if (interrupted === "abort") {
            const reason = "Cancelled; the cell did not stop and the kernel was killed.";
            runtimeError = kernelError("KeyboardInterrupt", `${reason} ${stateLost}`);
          } else {
            const reason = deathReason(result, limits, current);
            const value = result.limit === "wall" ? reason : `${reason} ${stateLost}`;
            runtimeError = kernelError("KernelDied", value, current.stderrTail);
          }
          const limit = interrupted === "timeout" ? "wall" : interrupted ? undefined : result.limit;
          settle({ runtimeError, cellResults: [], ...(limit ? { limit } : {}) });
        },
      };
      current.send({ type: "execute", id, code, maxOutput: limits.outputBytes });
    });
  };

  const session: PythonSession = {
    run(code, runOptions = {}) {
      if (isClosed) return Promise.reject(closedError());
      const execution = queue.then(() => execute(code, runOptions));
      queue = execution.catch(() => {});
      return execution;
    },
    async close() {
      isClosed = true;
      kernel?.run.kill();
      await kernel?.run.done.catch(() => {});
    },
    get alive() {
      return !isClosed && deadline - Date.now() >= 100;
    },
  };
  return session;
}

function closedError() {
  return new KilnError("CONFLICT", "The Python session is closed");
}
