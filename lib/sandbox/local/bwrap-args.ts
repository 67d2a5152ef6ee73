import "server-only";
import path from "node:path";
import { KilnError } from "@/lib/errors";
import type { SandboxLimits } from "@/lib/sandbox/limits";
import { sandboxPath, sandboxRoot } from "@/lib/sandbox/sandbox-paths";

// The bubblewrap options of one sandboxed command (bwrap.ts starts it): namespaces, capabilities,
// what of the host is seen, and the environment. Every sandbox, and the health probe, gets them
// from here.

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
// By its full path, and with no variable that steers the dynamic loader (loaderVariables): it
// starts as root, and PATH may lead to the workspace (node_modules/.bin) first.
export const becomeSandboxUser = (uid: number) => [
  "/usr/bin/setpriv",
  ...["--reuid", String(uid), "--regid", String(uid)],
  ...["--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--"],
];
// glibc ignores these for set-user-ID programs; setpriv is not one.
const loaderVariables = /^(LD_|GCONV_PATH$|GLIBC_TUNABLES$|LOCPATH$|NLSPATH$|MALLOC_|HOSTALIASES$)/;
const defaultEnv = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: sandboxRoot, LANG: "C.UTF-8" };
// Name resolution and certificates, for installs; nothing else of /etc is shown.
const networkFiles = ["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl"];
// Files of /etc that Debian's packages need to work at all: shared libraries such as numpy's
// libblas.so.3 link through /etc/alternatives; matplotlib reads /etc/matplotlibrc and fontconfig
// /etc/fonts. They hold no secrets.
const systemFiles = ["/etc/alternatives", "/etc/matplotlibrc", "/etc/fonts"];
const systemDirs = ["/usr", "/bin", "/lib", "/lib64"];
// Descriptors of the launcher that only bwrap reads (3 is the command's channel).
export const argsFd = 4;
export const seccompFd = 5;

export function bwrapArgs(
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
