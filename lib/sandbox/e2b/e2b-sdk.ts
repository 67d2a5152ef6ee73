import "server-only";
import {
  AuthenticationError,
  type CommandResult,
  FileNotFoundError,
  InvalidArgumentError,
  NotFoundError,
  RateLimitError,
  Sandbox,
  SandboxNotFoundError,
  ServiceBusyError,
  TimeoutError,
} from "@e2b/code-interpreter";
import { KilnError } from "@/lib/errors";

// The narrow surface of @e2b/code-interpreter that the E2B provider uses, and the reading of the
// SDK's errors. Kept apart so that the provider's modules depend on these types rather than on
// the SDK's classes. The API key goes to the SDK and nowhere else:
// errors are rebuilt from their class, and any message passed on has the key masked.

/** Connection options for every SDK call. */
export interface E2bConnection {
  apiKey: string;
  domain: string;
  apiUrl?: string;
  /** One address for every sandbox's own servers, instead of https://<port>-<id>.<domain>. */
  sandboxUrl?: string;
}

export interface E2bEntry {
  name: string;
  path: string;
  type?: string;
  size: number;
  symlinkTarget?: string;
}

export interface E2bCommandOptions {
  cwd?: string;
  envs?: Record<string, string>;
  timeoutMs?: number;
  onStdout?: (data: string) => void;
  onStderr?: (data: string) => void;
}

export interface E2bCommandHandle {
  readonly pid: number;
  wait(): Promise<CommandResult>;
  kill(): Promise<boolean>;
  /** Stops receiving the command's output; the command runs on. */
  disconnect(): Promise<void>;
}

/** The part of the SDK's Sandbox instance Kiln uses. */
export interface E2bSandbox {
  readonly sandboxId: string;
  runCode(
    code: string,
    opts: {
      timeoutMs?: number;
      onStdout?: (output: { line: string }) => void;
      onStderr?: (output: { line: string }) => void;
    },
  ): Promise<{
    logs: { stdout: string[]; stderr: string[] };
    results: { text?: string; png?: string }[];
    error?: { name: string; value: string; traceback: string };
  }>;
  listCodeContexts(): Promise<{ id: string; language: string }[]>;
  restartCodeContext(context: string): Promise<void>;
  readonly commands: {
    run(cmd: string, opts: E2bCommandOptions & { background?: false }): Promise<CommandResult>;
    run(cmd: string, opts: E2bCommandOptions & { background: true }): Promise<E2bCommandHandle>;
    kill(pid: number): Promise<boolean>;
  };
  readonly files: {
    write(files: { path: string; data: string }[]): Promise<unknown>;
    read(path: string): Promise<string>;
    getInfo(path: string): Promise<E2bEntry>;
    list(path: string): Promise<E2bEntry[]>;
    remove(path: string): Promise<void>;
  };
  getHost(port: number): string;
  isRunning(): Promise<boolean>;
  setTimeout(timeoutMs: number): Promise<void>;
  kill(): Promise<boolean>;
}

/** The SDK's Sandbox class as Kiln uses it. */
export interface E2bSdk {
  create(
    template: string,
    opts: E2bConnection & { metadata: Record<string, string>; timeoutMs: number },
  ): Promise<E2bSandbox>;
  connect(sandboxId: string, opts: E2bConnection): Promise<E2bSandbox>;
  kill(sandboxId: string, opts: E2bConnection): Promise<boolean>;
}

/** The real SDK. Called through the code interpreter's class, so sandboxes can run code. */
export const e2bSdk: E2bSdk = {
  create: (template, opts) => Sandbox.create(template, opts),
  connect: (sandboxId, opts) => Sandbox.connect(sandboxId, opts),
  kill: (sandboxId, opts) => Sandbox.kill(sandboxId, opts),
};

/** Undefined for a path that is not there (or is the wrong kind); other errors pass on. */
export function missing(error: unknown): undefined {
  if (error instanceof FileNotFoundError || error instanceof InvalidArgumentError) return;
  throw error;
}

// The SDK reports its own deadline (`timeoutMs`) and a dead sandbox with the same TimeoutError;
// only the clock tells them apart. Timers round to whole milliseconds, hence the slack.
export function hitDeadline(error: unknown, started: number, timeoutMs: number): boolean {
  return error instanceof TimeoutError && performance.now() - started >= timeoutMs - 10;
}

export async function kilnError(error: unknown, context: { apiKey: string }, sandbox?: E2bSandbox) {
  if (error instanceof KilnError) return error;
  if (error instanceof AuthenticationError) {
    return new KilnError("SERVICE_UNAVAILABLE", "E2B refused Kiln's API key: check E2B_API_KEY", {
      reason: "e2b_unauthorized",
    });
  }
  if (error instanceof RateLimitError || error instanceof ServiceBusyError) {
    return new KilnError("SERVICE_UNAVAILABLE", "E2B is busy: try again shortly", {
      reason: "e2b_busy",
    });
  }
  // After a sandbox ends, its calls fail as "not found" or as timeouts, depending on the call.
  const isGone =
    error instanceof SandboxNotFoundError ||
    ((error instanceof NotFoundError || error instanceof TimeoutError) &&
      sandbox !== undefined &&
      !(await sandbox.isRunning().catch(() => true)));
  if (isGone) {
    return new KilnError("NOT_FOUND", "The sandbox is no longer running", {
      reason: "sandbox_gone",
    });
  }
  if (error instanceof TimeoutError) {
    return new KilnError("BAD_GATEWAY", "E2B did not answer in time", { reason: "e2b_timeout" });
  }
  const message = error instanceof Error ? error.message : String(error);
  const masked = context.apiKey ? message.replaceAll(context.apiKey, "[redacted]") : message;
  return new KilnError("BAD_GATEWAY", `E2B: ${masked.slice(0, 300)}`, { reason: "e2b_error" });
}
