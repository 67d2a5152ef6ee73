import "server-only";
import { type ChildProcess, spawn } from "node:child_process";
import { processSlot } from "@/lib/process-lifetime";

// Runs short commands (git) from a small helper process instead of from Kiln's own. Starting a
// process from Node forks the caller, and a fork costs in proportion to the memory the caller
// has touched: from Kiln's process, large once PGlite and Next are loaded, each `git` took
// ~70 ms on the machines the bench runs on, with the event loop blocked meanwhile (a 20-task
// run spent half its time there). The helper is a bare Node process of a few tens of MB: its
// forks are cheap, and they no longer stop Kiln's event loop. It is started on first use,
// restarted after it dies, and exits with Kiln (its IPC channel closes).

export interface RunFileOptions {
  cwd?: string | undefined;
  env: Record<string, string>;
  input?: string | undefined;
  maxBuffer: number;
}

export interface RunFileResult {
  /** The failure as child_process.execFile words it (a non-zero exit, a signal, ENOENT). */
  error: string | null;
  stdout: string;
  stderr: string;
}

interface Request {
  id: number;
  file: string;
  args: string[];
  options: RunFileOptions;
}
type Reply = RunFileResult & { id: number };

// CommonJS for `node -e`; the helper gets an empty environment, each command its own.
const helperSource = `
const { execFile } = require("node:child_process");
process.on("message", ({ id, file, args, options }) => {
  const child = execFile(
    file,
    args,
    { cwd: options.cwd, env: options.env, maxBuffer: options.maxBuffer },
    (error, stdout, stderr) => {
      process.send({ id, error: error ? error.message : null, stdout, stderr });
    },
  );
  if (options.input !== undefined) {
    child.stdin.on("error", () => {});
    child.stdin.end(options.input);
  }
});
process.on("disconnect", () => process.exit(0));
`;

// One helper per process, however many bundles load this module.
const state = processSlot("process-runner", () => ({
  helper: undefined as ChildProcess | undefined,
  nextId: 0,
  pending: new Map<
    number,
    { resolve: (reply: RunFileResult) => void; reject: (e: Error) => void }
  >(),
}));
const { pending } = state;

function failPending(error: Error) {
  for (const { reject } of pending.values()) reject(error);
  pending.clear();
}

function startHelper(): ChildProcess {
  const child: ChildProcess = spawn(process.execPath, ["-e", helperSource], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    env: {} as NodeJS.ProcessEnv,
  });
  child.on("message", (reply: Reply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    // An idle helper must not keep Kiln (or a worker process) alive.
    if (pending.size === 0) child.channel?.unref();
    waiting?.resolve({ error: reply.error, stdout: reply.stdout, stderr: reply.stderr });
  });
  const gone = (why: string) => {
    if (state.helper === child) state.helper = undefined;
    failPending(new Error(`the process runner ${why}`));
  };
  child.on("error", (error) => gone(`failed: ${error.message}`));
  child.on("exit", (code, signal) => gone(`exited (${signal ?? code})`));
  child.unref();
  child.channel?.unref();
  return child;
}

/** Runs `file` with `args` as execFile would, from the helper process. */
export function runFile(file: string, args: string[], options: RunFileOptions) {
  if (!state.helper?.connected) state.helper = startHelper();
  const child = state.helper;
  const id = ++state.nextId;
  return new Promise<RunFileResult>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    child.channel?.ref();
    const request: Request = { id, file, args, options };
    child.send(request, (error) => {
      if (!error || !pending.has(id)) return;
      pending.delete(id);
      reject(error);
    });
  });
}

/** The helper's pid while it runs, for tests. */
export const processRunnerPid = () => (state.helper?.connected ? state.helper.pid : undefined);
