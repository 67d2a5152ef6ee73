import "server-only";
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { log } from "@/lib/log";
import type { SandboxLimit, SandboxLimits } from "@/lib/sandbox/limits";

// How the local provider holds a run to the limits of limits.ts: cgroups where the host has
// them, and the signs a failed command leaves where it has not.

const SIGXFSZ = 25;

/**
 * The limit that explains a failed run when no monitor caught it in the act: a process killed
 * by SIGXFSZ or a write refused with EFBIG ("File too large") is the file size limit; without
 * cgroups, allocation and fork failures are the only sign of the memory and process limits.
 */
export function limitFromFailure(options: {
  exitCode: number | null;
  stderr: string;
  hasMemoryCgroup: boolean;
  hasPidsCgroup: boolean;
}): SandboxLimit | undefined {
  const { exitCode, stderr } = options;
  if (exitCode === 0) return undefined;
  // bwrap reports a command killed by signal N as exit status 128 + N.
  if (exitCode === 128 + SIGXFSZ || /File too large/.test(stderr)) return "file_size";
  // The workspace's own volume is full (workspace-volume.ts).
  if (/No space left on device/.test(stderr)) return "disk";
  if (
    !options.hasMemoryCgroup &&
    /MemoryError|Cannot allocate memory|out of memory/i.test(stderr)
  ) {
    return "memory";
  }
  if (!options.hasPidsCgroup && /fork.*(Resource temporarily unavailable|EAGAIN)/i.test(stderr)) {
    return "processes";
  }
  return undefined;
}

export interface Cgroups {
  memory?: string;
  pids?: string;
  cpu?: string;
}

const cfsPeriodUs = 100_000;

// Memory and process counts are held by a cgroup v1 leaf per run, which the launcher joins before
// it execs bwrap, so nothing the command starts is outside it. RLIMIT_NPROC is no substitute: it
// counts every process of a uid, and every sandbox runs as the same one (sandbox-user.ts), or as
// uid 0 on the host, to which the kernel does not apply it.

// bwrap's monitor outside and its reaper inside count against pids.max too.
const bwrapProcesses = 2;
let warnedOfFallback = false;

/** A fresh leaf per run under Kiln's own cgroups, so limits set on Kiln still apply above it. */
export function createCgroups(limits: SandboxLimits): Cgroups {
  const id = randomUUID();
  const memory = createCgroup("memory", id, (dir) => {
    writeFileSync(path.join(dir, "memory.limit_in_bytes"), String(limits.memoryBytes));
    // Present only with swap accounting; without it there is no swap to escape to anyway.
    try {
      writeFileSync(path.join(dir, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
    } catch {}
  });
  const pids = createCgroup("pids", id, (dir) => {
    writeFileSync(path.join(dir, "pids.max"), String(limits.processes + bwrapProcesses));
  });
  if ((!memory || !pids) && !warnedOfFallback) {
    warnedOfFallback = true;
    log.warn("sandbox cgroups unavailable: memory and processes limited by rlimits only", {
      memory: Boolean(memory),
      pids: Boolean(pids),
    });
  }
  // A CPU quota only when asked for (deployments' cpu_limit): CFS throttles the whole group.
  const cpu =
    limits.cpus === undefined
      ? undefined
      : createCgroup("cpu", id, (dir) => {
          writeFileSync(path.join(dir, "cpu.cfs_period_us"), String(cfsPeriodUs));
          const quota = Math.max(1000, Math.round((limits.cpus ?? 1) * cfsPeriodUs));
          writeFileSync(path.join(dir, "cpu.cfs_quota_us"), String(quota));
        });
  if (limits.cpus !== undefined && !cpu) {
    log.warn("cpu cgroup unavailable: the sandbox's cpu limit is not held");
  }
  return {
    ...(memory ? { memory } : {}),
    ...(pids ? { pids } : {}),
    ...(cpu ? { cpu } : {}),
  };
}

function createCgroup(controller: string, id: string, configure: (dir: string) => void) {
  let own: string | undefined;
  try {
    for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
      const [, controllers, ...rest] = line.split(":");
      if (controllers?.split(",").includes(controller)) own = rest.join(":");
    }
  } catch {}
  if (own === undefined) return undefined;
  const dir = path.join("/sys/fs/cgroup", controller, own, `kiln-sandbox-${id}`);
  try {
    mkdirSync(dir);
  } catch {
    return undefined; // not cgroup v1, or not allowed: the prlimit fallbacks take over
  }
  try {
    configure(dir);
    return dir;
  } catch {
    rmdirSync(dir);
    return undefined;
  }
}

/** A limit the kernel enforced inside the run's cgroups: an OOM kill or a refused fork. */
export function cgroupLimit(cgroups: Cgroups): SandboxLimit | undefined {
  if (cgroups.memory && counter(path.join(cgroups.memory, "memory.oom_control"), "oom_kill") > 0) {
    return "memory";
  }
  if (cgroups.pids && counter(path.join(cgroups.pids, "pids.events"), "max") > 0) {
    return "processes";
  }
  return undefined;
}

function counter(file: string, name: string): number {
  try {
    const match = readFileSync(file, "utf8").match(new RegExp(`^${name} (\\d+)$`, "m"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function members(dir: string): number[] {
  try {
    return readFileSync(path.join(dir, "cgroup.procs"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function killCgroupMembers(dirs: string[]) {
  for (const dir of dirs) {
    for (const pid of members(dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  }
}

/** Kills whatever is left in the cgroups and removes them; a dying process can hold one briefly. */
export async function removeCgroups(dirs: string[]) {
  for (const dir of dirs) {
    for (let attempt = 0; ; attempt++) {
      killCgroupMembers([dir]);
      try {
        rmdirSync(dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") break;
        if (attempt >= 100) {
          log.error("sandbox cgroup left behind", { dir, code });
          break;
        }
        await sleep(20);
      }
    }
  }
}
