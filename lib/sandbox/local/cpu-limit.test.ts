import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { runInSandbox } from "./bwrap";

// A sandbox given a CPU limit (a deployment's cpu_limit) runs in a cpu cgroup whose CFS quota
// the kernel holds it to: a busy loop there is throttled. Without a writable cpu cgroup on the
// host there is nothing to check.

const workspace = mkdtempSync(path.join(tmpdir(), "kiln-cpu-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const cpuRoot = "/sys/fs/cgroup/cpu";
const hasCpuCgroup = existsSync(path.join(cpuRoot, "cpu.cfs_quota_us"));

test.runIf(hasCpuCgroup)("a sandbox limited to a tenth of a CPU is throttled", async () => {
  // Busy for half a second of wall time, then says so and waits to be killed.
  const script = [
    "import time, sys",
    "end = time.time() + 0.5",
    "while time.time() < end: pass",
    "print('spun', flush=True)",
    "time.sleep(60)",
  ].join("\n");
  let output = "";
  let spun: () => void = () => {};
  const hasSpun = new Promise<void>((resolve) => {
    spun = resolve;
  });
  const run = runInSandbox({
    workspace,
    command: ["/usr/bin/python3", "-c", script],
    limits: { cpus: 0.1, wallMs: 30_000 },
    streamOnly: true,
    onStdout: (chunk) => {
      output += chunk;
      if (output.includes("spun")) spun();
    },
  });
  try {
    await hasSpun;
    const cpu = run.cgroupDirs.find((dir) => dir.startsWith(`${cpuRoot}/`));
    expect(cpu).toBeDefined();
    expect(readFileSync(path.join(cpu!, "cpu.cfs_quota_us"), "utf8").trim()).toBe("10000");
    const stat = readFileSync(path.join(cpu!, "cpu.stat"), "utf8");
    expect(Number(/^nr_throttled (\d+)$/m.exec(stat)?.[1])).toBeGreaterThan(0);
  } finally {
    run.kill();
    await run.done;
  }
  expect(run.cgroupDirs.filter((dir) => existsSync(dir))).toEqual([]);
});

test("a sandbox with no CPU limit gets no cpu cgroup", async () => {
  const run = runInSandbox({ workspace, command: ["/bin/true"] });
  await run.done;
  expect(run.cgroupDirs.some((dir) => dir.startsWith(`${cpuRoot}/`))).toBe(false);
});
