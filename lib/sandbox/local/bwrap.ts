import "server-only";
import { spawn } from "node:child_process";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { resolveSandboxLimits, type SandboxLimit } from "@/lib/sandbox/limits";
import {
  argsFd,
  becomeSandboxUser,
  bwrapArgs,
  type RunInSandboxOptions,
  seccompFd,
} from "./bwrap-args";
import {
  cgroupLimit,
  createCgroups,
  killCgroupMembers,
  limitFromFailure,
  removeCgroups,
} from "./cgroups";
import { sandboxUserOf } from "./sandbox-user";
import { sandboxSeccompFilter } from "./seccomp";

// One command in a bubblewrap sandbox, under the seccomp filter of seccomp.ts. Who it is:
// - In a workspace of the sandbox user (sandbox-user.ts; every sandbox's, when Kiln is root):
//   bwrap, as root, sets up the namespaces without a user namespace, and the command drops to the
//   sandbox user's uid with setpriv, losing every capability; inside and on the host it is that
//   uid and nothing more. New user namespaces are refused by the filter.
// - Otherwise (Kiln not root, or a directory of Kiln's own such as its template cache): bwrap
//   makes a user namespace in which the command is uid 1000 with no capabilities and no way to
//   make another one; on the host it is Kiln's uid. (bwrap run by root without dropping to
//   another uid would hand the command every capability in its namespace: enough to remount
//   the read-only /usr read-write and write to the host's.)
// Limits are held as limits.ts describes.

export interface SandboxResult {
  /** The command's exit status; bwrap reports death by signal N as 128 + N. */
  exitCode: number | null;
  /** Set when Kiln killed the sandbox (a limit, kill() or the abort signal). */
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The limit that ended the run, when one did. */
  limit?: SandboxLimit;
  /** What the command wrote to fd 3, with `channel` (at most 64 KiB). */
  channel?: string;
}

export interface SandboxRun {
  pid: number | undefined;
  done: Promise<SandboxResult>;
  /** Kills every process of the sandbox; `done` settles once they are gone. */
  kill(): void;
  /** The cgroup directories holding this run, removed before `done` settles. */
  cgroupDirs: string[];
  /** The command's stdin, when started with `openStdin`. */
  stdin: NodeJS.WritableStream | null;
}

const launcherEnv = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
const pollMs = 50;
const channelChars = 64 * 1024;

// Joins the cgroups named by its first arguments, then becomes the rest: setpriv ties the
// sandbox's life to Kiln's, prlimit caps file size, and bwrap and everything it starts inherit
// all three.
const launcher = [
  'n=$1; shift; while [ "$n" -gt 0 ]; do',
  '  echo $$ > "$1" || { echo "kiln: cannot join cgroup $1" >&2; exit 125; }',
  "  shift; n=$((n - 1)); done",
  'exec "$@"',
].join("\n");

export function runInSandbox(options: RunInSandboxOptions): SandboxRun {
  const limits = resolveSandboxLimits(options.limits);
  const sandboxUid = sandboxUserOf(options.workspace);
  const asSandboxUser = sandboxUid !== undefined;
  const args = bwrapArgs(options, limits, asSandboxUser);
  const cgroups = createCgroups(limits);
  const cgroupDirs = [cgroups.memory, cgroups.pids, cgroups.cpu].filter((dir) => dir !== undefined);
  const prlimit = [`--fsize=${limits.fileBytes}`];
  if (!cgroups.memory) prlimit.push(`--as=${limits.memoryBytes}`);
  if (!cgroups.pids) prlimit.push(`--nproc=${limits.processes}`);
  const procs = cgroupDirs.map((dir) => path.join(dir, "cgroup.procs"));
  const argv = ["-c", launcher, "sh", String(procs.length), ...procs];
  argv.push("setpriv", "--pdeathsig", "KILL", "--", "prlimit", ...prlimit, "--");
  // bwrap reads its options from a pipe: on its command line they would show in every host
  // user's `ps`, and they carry the command's environment (a preview's path holds its token).
  // The command follows them here (bwrap takes it only from its own arguments), as it shows in
  // the command's own process anyway.
  argv.push(options.bwrap ?? "bwrap", "--args", String(argsFd), "--");
  if (sandboxUid !== undefined) argv.push(...becomeSandboxUser(sandboxUid));
  argv.push(...options.command);

  const started = performance.now();
  let child: ReturnType<typeof spawn>;
  try {
    // Its own process group, so a kill reaches bwrap and the launcher whatever state they are in.
    // From /, as the shell exports its working directory as PWD.
    child = spawn("/bin/sh", argv, {
      cwd: "/",
      detached: true,
      env: Object.assign({} as NodeJS.ProcessEnv, launcherEnv),
      stdio: [
        options.stdin === undefined && !options.openStdin ? "ignore" : "pipe",
        "pipe",
        "pipe",
        options.channel ? "pipe" : "ignore",
        "pipe", // argsFd
        "pipe", // seccompFd
      ],
    });
  } catch (error) {
    void removeCgroups(cgroupDirs);
    throw error;
  }
  // Read by bwrap before it starts the command; a launcher that died first reads nothing.
  for (const [fd, data] of [
    [argsFd, Buffer.from(args.map((arg) => `${arg}\0`).join(""))],
    [seccompFd, sandboxSeccompFilter()],
  ] as const) {
    const pipe = (child.stdio as unknown[])[fd] as NodeJS.WritableStream | null;
    pipe?.on("error", () => {});
    pipe?.end(data);
  }

  let stdout = "";
  let stderr = "";
  let outputBytes = 0;
  let limit: SandboxLimit | undefined;
  let reaped = false;
  let finished = false;
  child.on("exit", () => {
    reaped = true;
  });

  const stop = (reason?: SandboxLimit) => {
    if (finished) return;
    limit ??= reason;
    // Once reaped, the group id may belong to someone else; before, it is ours.
    try {
      if (!reaped && child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {}
    killCgroupMembers(cgroupDirs);
  };

  const collect = (stream: "stdout" | "stderr", callback?: (chunk: string) => void) => {
    const decoder = new StringDecoder("utf8");
    child[stream]?.on("data", (chunk: Buffer) => {
      if (limit === "output") return;
      if (options.streamOnly) {
        const text = decoder.write(chunk);
        if (text) callback?.(text);
        return;
      }
      const room = limits.outputBytes - outputBytes;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      outputBytes += part.length;
      const text = decoder.write(part);
      if (text) {
        if (stream === "stdout") stdout += text;
        else stderr += text;
        callback?.(text);
      }
      if (chunk.length > room) stop("output");
    });
  };
  collect("stdout", options.onStdout);
  collect("stderr", options.onStderr);
  let channel = "";
  child.stdio[3]?.on("data", (chunk: Buffer) => {
    if (channel.length < channelChars) channel += chunk.toString("utf8");
  });
  if (child.stdin) {
    child.stdin.on("error", () => {}); // the command may exit without reading it
    if (options.openStdin) {
      if (options.stdin) child.stdin.write(options.stdin);
    } else child.stdin.end(options.stdin);
  }

  const wallTimer = setTimeout(() => stop("wall"), limits.wallMs);
  const monitor = setInterval(() => {
    const caught = cgroupLimit(cgroups);
    if (caught) stop(caught);
  }, pollMs);
  const onAbort = () => stop();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop();

  const done = new Promise<SandboxResult>((resolve, reject) => {
    const finish = async () => {
      finished = true;
      clearTimeout(wallTimer);
      clearInterval(monitor);
      options.signal?.removeEventListener("abort", onAbort);
      await removeCgroups(cgroupDirs);
    };
    child.on("error", (error) => {
      void finish().then(() => reject(new Error(`cannot start the sandbox: ${error.message}`)));
    });
    child.on("close", (exitCode, signal) => {
      if (!limit && exitCode !== 0) {
        limit =
          cgroupLimit(cgroups) ??
          limitFromFailure({
            exitCode,
            stderr,
            hasMemoryCgroup: cgroups.memory !== undefined,
            hasPidsCgroup: cgroups.pids !== undefined,
          });
      }
      const durationMs = Math.round(performance.now() - started);
      void finish().then(() =>
        resolve({
          exitCode,
          signal,
          stdout,
          stderr,
          durationMs,
          ...(limit ? { limit } : {}),
          ...(options.channel ? { channel: channel.slice(0, channelChars) } : {}),
        }),
      );
    });
  });

  const stdin = options.openStdin ? child.stdin : null;
  return { pid: child.pid, done, kill: () => stop(), cgroupDirs, stdin };
}
