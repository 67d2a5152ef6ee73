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
} from "@/lib/sandbox/limits";
import { ownedBySandboxUser, sandboxHostUid } from "./sandbox-user";
import { sandboxSeccompFilter } from "./seccomp";
import { sandboxPath, sandboxRoot } from "./workspace";

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
const hostUid = String(sandboxHostUid);
// By its full path, and with no variable that steers the dynamic loader (loaderVariables): it
// starts as root, and PATH may lead to the workspace (node_modules/.bin) first.
const becomeSandboxUser = ["/usr/bin/setpriv", "--reuid", hostUid, "--regid", hostUid];
becomeSandboxUser.push("--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--");
// glibc ignores these for set-user-ID programs; setpriv is not one.
const loaderVariables = /^(LD_|GCONV_PATH$|GLIBC_TUNABLES$|LOCPATH$|NLSPATH$|MALLOC_|HOSTALIASES$)/;
const defaultEnv = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: sandboxRoot, LANG: "C.UTF-8" };
const launcherEnv = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
// Name resolution and certificates, for installs; nothing else of /etc is shown.
const networkFiles = ["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl"];
// Files of /etc that Debian's packages need to work at all: shared libraries such as numpy's
// libblas.so.3 link through /etc/alternatives; matplotlib reads /etc/matplotlibrc and fontconfig
// /etc/fonts. They hold no secrets.
const systemFiles = ["/etc/alternatives", "/etc/matplotlibrc", "/etc/fonts"];
const systemDirs = ["/usr", "/bin", "/lib", "/lib64"];
// Descriptors of the launcher that only bwrap reads (3 is the command's channel).
const argsFd = 4;
const seccompFd = 5;
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
  const asSandboxUser = ownedBySandboxUser(options.workspace);
  const args = bwrapArgs(options, limits, asSandboxUser);
  const cgroups = createCgroups(limits);
  const cgroupDirs = [cgroups.memory, cgroups.pids].filter((dir) => dir !== undefined);
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
  if (asSandboxUser) argv.push(...becomeSandboxUser);
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

function bwrapArgs(
  options: RunInSandboxOptions,
  limits: SandboxLimits,
  asSandboxUser: boolean,
): string[] {
  if (options.command.length === 0) throw invalid("command", "must not be empty");
  if (options.command.some((arg) => arg.includes("\0"))) {
    throw invalid("command", "contains a NUL byte");
  }
  if (!path.isAbsolute(options.workspace) || options.workspace.includes("\0")) {
    throw invalid("workspace", "must be an absolute path");
  }
  const cwd = insideWorkspace(options.cwd ?? sandboxRoot);
  const env: Record<string, string> = { ...defaultEnv, ...options.env };
  for (const [key, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || value.includes("\0")) {
      throw invalid("env", `${key.slice(0, 100)} is not a valid variable`);
    }
    if (loaderVariables.test(key)) throw invalid("env", `${key} is not allowed`);
  }
  const args = ["--seccomp", String(seccompFd), "--die-with-parent", "--new-session"];
  if (asSandboxUser) {
    // --unshare-all would add a user namespace where bwrap can make one.
    args.push("--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try");
    if (!options.network) args.push("--unshare-net");
    // Only what it takes to enter the working directory (the sandbox user's, perhaps 0700) and
    // for setpriv to become the sandbox user, which then loses them all.
    args.push("--cap-drop", "ALL");
    for (const cap of ["CAP_DAC_READ_SEARCH", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"]) {
      args.push("--cap-add", cap);
    }
  } else {
    args.push("--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL");
    args.push("--uid", sandboxUid, "--gid", sandboxUid);
    if (options.network) args.push("--share-net");
  }
  const binds = (options.readOnlyBinds ?? []).map((bind) => {
    if (!path.isAbsolute(bind.host) || !path.posix.isAbsolute(bind.sandbox)) {
      throw invalid("readOnlyBinds", "paths must be absolute");
    }
    if (`${bind.host}${bind.sandbox}`.includes("\0")) {
      throw invalid("readOnlyBinds", "contains a NUL byte");
    }
    return { host: bind.host, sandbox: path.posix.normalize(bind.sandbox) };
  });
  const etc = [...systemFiles, ...(options.network ? networkFiles : [])];
  // bwrap makes the directories above a mount point 0700 and root's: readable by the sandbox
  // user only if they are made first, as 0755.
  for (const dir of directoriesAbove([...etc, ...binds.map((bind) => bind.sandbox)])) {
    args.push("--perms", "0755", "--dir", dir);
  }
  for (const dir of systemDirs) args.push("--ro-bind-try", dir, dir);
  for (const file of etc) args.push("--ro-bind-try", file, file);
  args.push("--proc", "/proc", "--dev", "/dev");
  // Writable by whoever the command is (Python's multiprocessing needs /dev/shm), and bounded
  // even where no memory cgroup counts their pages.
  for (const dir of ["/tmp", "/dev/shm"]) {
    args.push("--perms", "1777", "--size", String(limits.memoryBytes), "--tmpfs", dir);
  }
  args.push("--bind", path.resolve(options.workspace), sandboxRoot);
  for (const bind of binds) args.push("--ro-bind", bind.host, bind.sandbox);
  // bwrap's root is a tmpfs the sandbox user would own: only /workspace and /tmp stay writable.
  args.push("--remount-ro", "/", "--chdir", cwd, "--clearenv");
  for (const [key, value] of Object.entries(env)) args.push("--setenv", key, value);
  return args;
}

/** The directories above these paths, parents first, except those inside other mounts. */
function directoriesAbove(paths: string[]): string[] {
  const mounted = [...systemDirs, sandboxRoot, "/proc", "/dev", "/tmp"];
  const dirs = new Set<string>();
  for (const target of paths) {
    const chain: string[] = [];
    for (let dir = path.posix.dirname(target); dir !== "/"; dir = path.posix.dirname(dir)) {
      chain.unshift(dir);
    }
    for (const dir of chain) {
      if (mounted.some((mount) => dir === mount || dir.startsWith(`${mount}/`))) break;
      dirs.add(dir);
    }
  }
  return [...dirs];
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
