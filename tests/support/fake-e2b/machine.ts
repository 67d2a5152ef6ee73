import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// The machine behind one fake E2B sandbox: a directory on the host holding its /home/user and
// /tmp, and every process it runs, each in bubblewrap with those two directories bound over a
// read-only view of the host. So commands, servers and the Python kernel run for real, see the
// paths they would see on E2B, and the fake's file calls read and write the same files.

export const home = "/home/user";
const writable = [home, "/tmp"];

export interface MachineProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Kills the process and everything it started (its own pid namespace goes with it). */
  kill(): void;
}

export class Machine {
  readonly root = mkdtempSync(path.join(tmpdir(), "fake-e2b-"));
  private readonly running = new Set<MachineProcess>();
  isKilled = false;

  constructor() {
    for (const dir of writable) mkdirSync(path.join(this.root, dir), { recursive: true });
  }

  /**
   * The host path of a path in the sandbox; undefined outside /home/user and /tmp (the rest of
   * the sandbox's file system is the host's, read-only). Relative paths are from /home/user.
   */
  hostPath(inside: string): string | undefined {
    const absolute = path.posix.resolve(home, inside);
    const base = writable.find((dir) => absolute === dir || absolute.startsWith(`${dir}/`));
    return base === undefined ? undefined : path.join(this.root, absolute);
  }

  /** Whether `cwd` (in the sandbox) is a directory a process can start in. */
  isDirectory(cwd: string): boolean {
    const host = this.hostPath(cwd) ?? path.posix.resolve(home, cwd);
    return existsSync(host) && statSync(host).isDirectory();
  }

  spawn(
    cmd: string,
    args: string[],
    options: { cwd?: string; envs?: Record<string, string> } = {},
  ): MachineProcess {
    if (this.isKilled) throw new Error("The sandbox was killed");
    const binds = writable.flatMap((dir) => ["--bind", path.join(this.root, dir), dir]);
    const isolation = ["--unshare-pid", "--die-with-parent", "--dev", "/dev", "--proc", "/proc"];
    const child = spawn(
      "bwrap",
      [
        ...["--ro-bind", "/", "/", "--tmpfs", "/home", ...binds, ...isolation],
        ...["--chdir", options.cwd ?? home, "--", cmd, ...args],
      ],
      {
        detached: true, // its own process group, so kill() reaches bwrap and its namespace
        env: Object.assign({} as NodeJS.ProcessEnv, {
          PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
          HOME: home,
          USER: "user",
          LANG: "C.UTF-8",
          ...options.envs,
        }),
      },
    );
    const running: MachineProcess = {
      child,
      kill: () => {
        const { pid } = child;
        if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // It exited in between.
        }
      },
    };
    this.running.add(running);
    child.on("close", () => this.running.delete(running));
    // Not starting at all ends the process like a failed start (close follows, with code -2).
    child.on("error", (error) => console.error(`fake E2B: bwrap: ${error.message}`));
    // Input to a process that has ended is lost, as with any pipe.
    child.stdin.on("error", () => {});
    return running;
  }

  /** Ends every process; the files stay until dispose(). */
  kill() {
    this.isKilled = true;
    for (const running of this.running) running.kill();
  }

  /** Ends every process, waits until they are gone, and removes the sandbox's files. */
  async dispose() {
    const ending = [...this.running].map(
      ({ child }) => new Promise((resolve) => child.once("close", resolve)),
    );
    this.kill();
    await Promise.all(ending);
    rmSync(this.root, { recursive: true, force: true });
  }
}
