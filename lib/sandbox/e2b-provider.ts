import "server-only";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  AuthenticationError,
  CommandExitError,
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
import type { TemplateId } from "@/lib/templates/templates";
import { defaultSandboxLimits } from "./limits";
import type {
  CommandOutcome,
  Execution,
  RunCommandOptions,
  SandboxHandle,
  SandboxProvider,
  StartServerOptions,
  Streaming,
} from "./provider";
import type { CellResult } from "./schemas";
import { sandboxPath, sandboxRoot, type WorkspaceEntry } from "./workspace";

// Sandboxes on E2B through @e2b/code-interpreter. Paths: Kiln speaks of /workspace everywhere
// (rows, routes, the IDE), while E2B's templates keep the project in the home directory of
// their user, /home/user, where the template's own server and the Jupyter kernel run. So a
// Kiln path /workspace/x is /home/user/x on E2B, translated here and only here; a command that
// prints its directory shows the E2B form. The API key goes to the SDK and nowhere else: errors
// are rebuilt from their class, and any message passed on has the key masked.

/** Connection options for every SDK call. */
export interface E2bConnection {
  apiKey: string;
  domain: string;
  apiUrl?: string;
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

/** The SDK's Sandbox class as Kiln uses it; tests pass tests/support/fake-e2b.ts instead. */
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

/**
 * E2B's public templates under Kiln's ids. Static HTML and Node servers have none of their own:
 * they run on "base", and startServer starts their run command.
 */
export const e2bTemplates: Readonly<Record<TemplateId, string>> = {
  "code-interpreter-v1": "code-interpreter-v1",
  "nextjs-developer": "nextjs-developer",
  "vue-developer": "vue-developer",
  "streamlit-developer": "streamlit-developer",
  "gradio-developer": "gradio-developer",
  "static-html": "base",
  "node-server": "base",
};

export const e2bRoot = "/home/user";

export interface CreateE2bProviderOptions extends E2bConnection {
  sdk?: E2bSdk;
  /** Used to ask whether a started server answers; E2B's proxy says 502 until it listens. */
  fetch?: typeof fetch;
  serverReadyTimeoutMs?: number;
  serverPollMs?: number;
}

interface Context {
  apiKey: string;
  fetch: typeof fetch;
  serverReadyTimeoutMs: number;
  serverPollMs: number;
}

export function createE2bProvider(options: CreateE2bProviderOptions): SandboxProvider {
  const { apiKey, domain, apiUrl } = options;
  const sdk = options.sdk ?? e2bSdk;
  const connection: E2bConnection = { apiKey, domain, ...(apiUrl ? { apiUrl } : {}) };
  const context: Context = {
    apiKey,
    fetch: options.fetch ?? fetch,
    serverReadyTimeoutMs: options.serverReadyTimeoutMs ?? 120_000,
    serverPollMs: options.serverPollMs ?? 500,
  };
  return {
    name: "e2b",
    async create({ sandboxId, template, lifetimeMs, metadata }) {
      // Metadata is readable by anyone holding the key's team; it must never carry the key.
      const safe = Object.entries(metadata).filter(
        ([key, value]) => !apiKey || (!key.includes(apiKey) && !value.includes(apiKey)),
      );
      try {
        const sandbox = await sdk.create(e2bTemplates[template], {
          ...connection,
          metadata: {
            ...Object.fromEntries(safe),
            kilnSandboxId: sandboxId,
            kilnTemplate: template,
          },
          timeoutMs: lifetimeMs,
        });
        return e2bHandle(sandbox, context);
      } catch (error) {
        throw await kilnError(error, context);
      }
    },
    async connect(_sandboxId, externalId) {
      try {
        return e2bHandle(await sdk.connect(externalId, connection), context);
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw await kilnError(error, context);
      }
    },
    async destroy(_sandboxId, externalId) {
      try {
        await sdk.kill(externalId, connection); // false when it is already gone: that is fine
      } catch (error) {
        throw await kilnError(error, context);
      }
    },
  };
}

// A plain object of closures: serializing or inspecting a handle shows no SDK internals.
function e2bHandle(sandbox: E2bSandbox, context: Context): SandboxHandle {
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw await kilnError(error, context, sandbox);
    }
  };
  return {
    provider: "e2b",
    externalId: sandbox.sandboxId,
    runCode: (code, options) => runCode(sandbox, context, code, options),
    runCommand: (options) => runCommand(sandbox, context, options),
    writeFiles: (files) => guard(() => writeFiles(sandbox, files)),
    readFile: (file) => guard(() => readFile(sandbox, file)),
    listFiles: (directory) => guard(() => listFiles(sandbox, directory)),
    startServer: (options) => startServer(sandbox, context, options),
    previewUrl: (port) => `https://${sandbox.getHost(port)}`,
    setTimeout: (lifetimeMs) => guard(() => sandbox.setTimeout(lifetimeMs)),
    kill: () => guard(async () => void (await sandbox.kill())),
  };
}

async function runCode(
  sandbox: E2bSandbox,
  context: Context,
  code: string,
  options: Streaming & { timeoutMs?: number } = {},
): Promise<Execution> {
  const { signal } = options;
  if (signal?.aborted) return interrupted({}, "KeyboardInterrupt", "Cancelled before it started");
  const timeoutMs = options.timeoutMs ?? defaultSandboxLimits.wallMs;
  const seen = { stdout: "", stderr: "" };
  // Output of a cell left running after the answer went out is not passed on.
  let isAnswered = false;
  const stream = (key: "stdout" | "stderr", callback?: (chunk: string) => void) => {
    return ({ line }: { line: string }) => {
      if (isAnswered) return;
      seen[key] += line;
      callback?.(line);
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
    return {
      stdout: execution.logs.stdout.join(""),
      stderr: execution.logs.stderr.join(""),
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

async function runCommand(
  sandbox: E2bSandbox,
  context: Context,
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

async function writeFiles(sandbox: E2bSandbox, files: { path: string; content: string }[]) {
  const written = files.map((file) => sandboxPath(file.path));
  if (files.length === 0) return written;
  await sandbox.files.write(
    files.map((file, i) => ({ path: toE2b(written[i]!), data: file.content })),
  );
  return written;
}

async function readFile(sandbox: E2bSandbox, file: string): Promise<string> {
  const at = sandboxPath(file);
  const info = await sandbox.files.getInfo(toE2b(at)).catch(missing);
  if (info?.type !== "file") throw new KilnError("NOT_FOUND", `No file at ${at}`);
  if (info.size > 1024 * 1024) {
    throw new KilnError("PAYLOAD_TOO_LARGE", `${at} is larger than 1 MiB`);
  }
  return sandbox.files.read(toE2b(at));
}

async function listFiles(sandbox: E2bSandbox, directory: string): Promise<WorkspaceEntry[]> {
  const at = sandboxPath(directory);
  const entries = await sandbox.files.list(toE2b(at)).catch(missing);
  if (!entries) throw new KilnError("NOT_FOUND", `No directory at ${at}`);
  return entries
    .map((entry) => ({
      name: entry.name,
      path: path.posix.join(at, entry.name),
      type:
        entry.type === "symlink" || entry.symlinkTarget
          ? ("symlink" as const)
          : entry.type === "dir"
            ? ("directory" as const)
            : ("file" as const),
      size: entry.size,
    }))
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, 1000);
}

/** Undefined for a path that is not there (or is the wrong kind); other errors pass on. */
function missing(error: unknown): undefined {
  if (error instanceof FileNotFoundError || error instanceof InvalidArgumentError) return;
  throw error;
}

// A server Kiln started is replaced on the next start, so the app runs its new code; its pid is
// kept in the sandbox, as handles do not outlive a request. A server Kiln did not start is the
// template's own: E2B's app templates serve from boot and reload changed files themselves.
async function startServer(sandbox: E2bSandbox, context: Context, options: StartServerOptions) {
  const url = `https://${sandbox.getHost(options.port)}`;
  const pidFile = `/tmp/kiln-server-${options.port}.pid`;
  // The last of the server's output, to explain a server that exits instead of serving.
  let output = "";
  const collect = (chunk: string) => {
    output = (output + chunk).slice(-4000);
    options.onOutput?.(chunk);
  };
  let exit: { code: number } | undefined;
  let server: E2bCommandHandle;
  try {
    const previous = await sandbox.files.read(pidFile).catch(missing);
    if (previous !== undefined) await stopServer(sandbox, context, Number(previous), url);
    else if (await answers(context, url, options.signal)) return;
    server = await sandbox.commands.run(options.command, {
      background: true,
      cwd: e2bRoot,
      envs: { PORT: String(options.port) },
      timeoutMs: 0, // no limit: the server lives as long as the sandbox
      onStdout: collect,
      onStderr: collect,
    });
    server.wait().then(
      (result) => (exit = { code: result.exitCode }),
      (error) => (exit = { code: error instanceof CommandExitError ? error.exitCode : -1 }),
    );
    await sandbox.files.write([{ path: pidFile, data: String(server.pid) }]);
  } catch (error) {
    throw await kilnError(error, context, sandbox);
  }
  try {
    await untilAnswering(
      context,
      url,
      options,
      () => exit,
      () => output,
    );
  } finally {
    // Its output is for the start only; the stream would otherwise stay open as long as it runs.
    await server.disconnect().catch(() => {});
  }
}

async function untilAnswering(
  context: Context,
  url: string,
  options: StartServerOptions,
  exit: () => { code: number } | undefined,
  output: () => string,
) {
  const deadline = performance.now() + context.serverReadyTimeoutMs;
  for (;;) {
    // Read before asking, so that a server that exited gets one last chance to have answered.
    const exited = exit();
    if (await answers(context, url, options.signal)) return;
    if (exited) {
      throw new KilnError(
        "VALIDATION_ERROR",
        `The app exited before it served on port ${options.port} (exit code ${exited.code})`,
        { reason: "app_exited", details: { output: output() } },
      );
    }
    if (performance.now() >= deadline) {
      throw new KilnError(
        "BAD_GATEWAY",
        `The app's server did not answer within ${context.serverReadyTimeoutMs / 1000} s`,
        { reason: "app_not_listening" },
      );
    }
    await sleep(context.serverPollMs, undefined, { signal: options.signal });
  }
}

/** Kills a server Kiln started and waits (briefly) for its port to close. */
async function stopServer(sandbox: E2bSandbox, context: Context, pid: number, url: string) {
  if (!Number.isInteger(pid) || !(await sandbox.commands.kill(pid))) return;
  const deadline = performance.now() + 5_000;
  while (performance.now() < deadline && (await answers(context, url))) {
    await sleep(context.serverPollMs);
  }
}

async function answers(context: Context, url: string, signal?: AbortSignal): Promise<boolean> {
  signal?.throwIfAborted();
  try {
    const timeout = AbortSignal.timeout(5_000);
    const response = await context.fetch(url, {
      redirect: "manual",
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    await response.body?.cancel();
    return response.status !== 502;
  } catch {
    return false;
  }
}

function toE2b(inside: string): string {
  return `${e2bRoot}${inside.slice(sandboxRoot.length)}`;
}

/** The Kiln path for an E2B one, or undefined when it is outside the project directory. */
function fromE2b(e2bPath: string): string | undefined {
  if (e2bPath === e2bRoot) return sandboxRoot;
  if (e2bPath.startsWith(`${e2bRoot}/`)) return `${sandboxRoot}${e2bPath.slice(e2bRoot.length)}`;
  return undefined;
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

// The SDK reports its own deadline (`timeoutMs`) and a dead sandbox with the same TimeoutError;
// only the clock tells them apart. Timers round to whole milliseconds, hence the slack.
function hitDeadline(error: unknown, started: number, timeoutMs: number): boolean {
  return error instanceof TimeoutError && performance.now() - started >= timeoutMs - 10;
}

async function kilnError(error: unknown, context: Context, sandbox?: E2bSandbox) {
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
