import "server-only";
import { spawn } from "node:child_process";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { KilnError } from "@/lib/errors";
import {
  cgroupLimit,
  createCgroups,
  killCgroupMembers,
  limitFromFailure,
  removeCgroups,
  resolveSandboxLimits,
  type SandboxLimit,
  type SandboxLimits,
} from "./limits";
import { sandboxPath, sandboxRoot } from "./workspace";

// One command in a bubblewrap sandbox. Kiln runs as root, and bwrap run by root would hand the
// command every capability in its user namespace: enough to remount the read-only /usr
// read-write and write to the host's. So the command runs as uid 1000 with no capabilities and
// no way to make another user namespace (it is still uid 0 on the host: files it writes in the
// workspace belong to Kiln). Limits are held as limits.ts describes.

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

export interface RunInSandboxOptions {
  /** Host directory seen read-write at /workspace; the only writable place besides /tmp. */
  workspace: string;
  command: string[];
  /** Inside /workspace; relative paths are taken from it. */
  cwd?: string;
  /** Added to an otherwise empty environment (PATH, HOME and LANG have defaults). */
  env?: Record<string, string>;
  /** Shares the host's network, for package installs only. */
  network?: boolean;
  readOnlyBinds?: { host: string; sandbox: string }[];
  limits?: Partial<SandboxLimits>;
  /** Written to the command's stdin, which is then closed. */
  stdin?: string;
  /** Leaves stdin open as the run's `stdin` instead (after writing `stdin`, if given). */
  openStdin?: boolean;
  /**
   * Gives the command a fd 3 whose text comes back as `channel`: a way for a wrapper to report
   * to Kiln apart from the command's own output.
   */
  channel?: boolean;
  /**
   * For long-lived processes (a kernel, a dev server): output goes only to the callbacks, is not
   * kept in the result, and `outputBytes` does not apply.
   */
  streamOnly?: boolean;
  onStdout?(chunk: string): void;
  onStderr?(chunk: string): void;
  signal?: AbortSignal;
  /** The bwrap binary (KILN_SANDBOX_BWRAP). */
  bwrap?: string;
}

const sandboxUid = "1000";
const defaultEnv = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: sandboxRoot, LANG: "C.UTF-8" };
const launcherEnv = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
// Name resolution and certificates, for installs; nothing else of /etc is shown.
const networkFiles = ["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl"];
// Files of /etc that Debian's packages need to work at all: shared libraries such as numpy's
// libblas.so.3 link through /etc/alternatives; matplotlib reads /etc/matplotlibrc and fontconfig
// /etc/fonts. They hold no secrets.
const systemFiles = ["/etc/alternatives", "/etc/matplotlibrc", "/etc/fonts"];
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
  const args = bwrapArgs(options, limits);
  const cgroups = createCgroups(limits);
  const cgroupDirs = [cgroups.memory, cgroups.pids].filter((dir) => dir !== undefined);
  const prlimit = [`--fsize=${limits.fileBytes}`];
  if (!cgroups.memory) prlimit.push(`--as=${limits.memoryBytes}`);
  if (!cgroups.pids) prlimit.push(`--nproc=${limits.processes}`);
  const procs = cgroupDirs.map((dir) => path.join(dir, "cgroup.procs"));
  const argv = ["-c", launcher, "sh", String(procs.length), ...procs];
  argv.push("setpriv", "--pdeathsig", "KILL", "--", "prlimit", ...prlimit, "--");
  argv.push(options.bwrap ?? "bwrap", ...args);

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
        ...(options.channel ? (["pipe"] as const) : []),
      ],
    });
  } catch (error) {
    void removeCgroups(cgroupDirs);
    throw error;
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

function bwrapArgs(options: RunInSandboxOptions, limits: SandboxLimits): string[] {
  if (options.command.length === 0) throw invalid("command", "must not be empty");
  if (!path.isAbsolute(options.workspace)) throw invalid("workspace", "must be an absolute path");
  const cwd = insideWorkspace(options.cwd ?? sandboxRoot);
  const env: Record<string, string> = { ...defaultEnv, ...options.env };
  for (const [key, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || value.includes("\0")) {
      throw invalid("env", `${key.slice(0, 100)} is not a valid variable`);
    }
  }
  const args = ["--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL"];
  args.push("--uid", sandboxUid, "--gid", sandboxUid, "--die-with-parent", "--new-session");
  if (options.network) args.push("--share-net");
  for (const dir of ["/usr", "/bin", "/lib", "/lib64"]) args.push("--ro-bind-try", dir, dir);
  for (const file of systemFiles) args.push("--ro-bind-try", file, file);
  if (options.network) for (const file of networkFiles) args.push("--ro-bind-try", file, file);
  args.push("--proc", "/proc", "--dev", "/dev");
  // Bounded even where no memory cgroup counts the pages of /tmp.
  args.push("--size", String(limits.memoryBytes), "--tmpfs", "/tmp");
  args.push("--bind", path.resolve(options.workspace), sandboxRoot);
  for (const bind of options.readOnlyBinds ?? []) {
    if (!path.isAbsolute(bind.host) || !path.posix.isAbsolute(bind.sandbox)) {
      throw invalid("readOnlyBinds", "paths must be absolute");
    }
    args.push("--ro-bind", bind.host, path.posix.normalize(bind.sandbox));
  }
  // bwrap's root is a tmpfs the sandbox user would own: only /workspace and /tmp stay writable.
  args.push("--remount-ro", "/", "--chdir", cwd, "--clearenv");
  for (const [key, value] of Object.entries(env)) args.push("--setenv", key, value);
  args.push("--", ...options.command);
  return args;
}

function insideWorkspace(cwd: string): string {
  try {
    return sandboxPath(cwd);
  } catch {
    throw invalid("cwd", `${cwd.slice(0, 200)} is outside ${sandboxRoot}`);
  }
}

function invalid(field: string, why: string) {
  return new KilnError("VALIDATION_ERROR", `${field}: ${why}`, { details: { field } });
}
