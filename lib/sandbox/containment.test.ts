import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { processesWith } from "@/tests/support/processes";
import { type RunInSandboxOptions, runInSandbox } from "./bwrap";

// What a hostile command tries, each expected to be refused or cut short by a named limit,
// with the host unaffected and nothing of the sandbox left running afterwards.

const python = "/usr/bin/python3";
const MiB = 1024 * 1024;
const secret = `kiln-test-secret-${randomUUID()}`;
let workspace: string;
let elsewhere: string;

beforeAll(() => {
  process.env.KILN_TEST_SECRET = secret;
  workspace = mkdtempSync(path.join(tmpdir(), "kiln-contain-"));
  elsewhere = mkdtempSync(path.join(tmpdir(), "kiln-elsewhere-"));
  writeFileSync(path.join(elsewhere, "private.txt"), secret);
});

afterAll(() => {
  delete process.env.KILN_TEST_SECRET;
  rmSync(workspace, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

/** Runs a tagged command and checks that neither a process nor a cgroup of it survives. */
async function contained(command: string[], options: Partial<RunInSandboxOptions> = {}) {
  const marker = `kiln-marker-${randomUUID()}`;
  const run = runInSandbox({
    workspace,
    command: [...command, marker],
    ...options,
    limits: { wallMs: 10_000, ...options.limits },
  });
  expect(run.cgroupDirs).toHaveLength(2); // memory and pids: this machine must enforce both
  const result = await run.done;
  expect(processesWith(marker)).toEqual([]);
  expect(run.cgroupDirs.filter((dir) => existsSync(dir))).toEqual([]);
  return result;
}

const py = (script: string, options?: Partial<RunInSandboxOptions>) =>
  contained([python, "-c", script], options);
const sh = (script: string, options?: Partial<RunInSandboxOptions>) =>
  contained(["/bin/sh", "-c", script], options);

/** Python that tries `attempt(p)` for each path and prints "<path> <outcome>" lines. */
function tryEach(paths: string[], attempt: string) {
  return [
    "import os, sys",
    `for p in ${JSON.stringify(paths)}:`,
    "  try:",
    `    ${attempt}`,
    "    print(p, 'OK')",
    "  except OSError as e:",
    "    print(p, type(e).__name__)",
  ].join("\n");
}

describe("a sandboxed command", () => {
  test("cannot read host files outside the workspace", async () => {
    const paths = [
      "/etc/shadow",
      "/etc/passwd",
      "/root",
      "/work/main/package.json",
      "/work/main/.env",
      path.join(elsewhere, "private.txt"),
      "/proc/1/root/etc/shadow",
    ];
    const result = await py(
      tryEach(paths, "open(p).read() if '.' in p or 'etc' in p else os.listdir(p)"),
    );
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(paths.length);
    for (const line of lines) expect(line).toMatch(/ (FileNotFoundError|PermissionError)$/);
    expect(result.stdout).not.toContain(secret);
  });

  test("cannot write outside the workspace, even by remounting", async () => {
    const name = `kiln-escape-${randomUUID()}`;
    const targets = ["/usr", "/usr/bin", "/etc", "/", "/bin", "/lib"].map((dir) =>
      path.join(dir, name),
    );
    const result = await sh(
      [
        "mount -o remount,rw,bind /usr 2>/dev/null && echo REMOUNTED",
        ...targets.map((target) => `touch ${target} 2>/dev/null && echo WROTE ${target}`),
        "echo done",
      ].join("\n"),
    );
    expect(result.stdout).toBe("done\n");
    for (const target of targets) expect(existsSync(target)).toBe(false);
  });

  test("cannot reach the network or the host's loopback", async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const targets = [
        ["1.1.1.1", 53],
        ["8.8.8.8", 443],
        ["127.0.0.1", port],
      ];
      const result = await py(
        [
          "import socket",
          `for host, port in ${JSON.stringify(targets)}:`,
          "  try:",
          "    socket.create_connection((host, port), 2); print(host, 'CONNECTED')",
          "  except OSError as e:",
          "    print(host, 'refused')",
        ].join("\n"),
      );
      expect(result.stdout).toBe("1.1.1.1 refused\n8.8.8.8 refused\n127.0.0.1 refused\n");
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  test("a fork bomb is stopped by the process limit", async () => {
    const bomb = "import os\nwhile True:\n  try: os.fork()\n  except OSError: pass";
    const result = await py(bomb, { limits: { processes: 32 } });
    expect(result.limit).toBe("processes");
    expect(result.durationMs).toBeLessThan(3_000);
    expect(spawnSync("/bin/true").status).toBe(0);
  });

  test("a shell fork bomb is stopped by the process limit", async () => {
    const result = await sh("while :; do /bin/sh -c 'sleep 100' & done", {
      limits: { processes: 32 },
    });
    expect(result.limit).toBe("processes");
    expect(result.durationMs).toBeLessThan(3_000);
  });

  test("allocating 2 GiB is stopped by the memory limit", async () => {
    const script = "chunks = []\nfor _ in range(128): chunks.append(b'x' * (16 * 1024 * 1024))";
    const result = await py(script, { limits: { memoryBytes: 128 * MiB } });
    expect(result.limit).toBe("memory");
    expect(result.exitCode).not.toBe(0);
  });

  test("filling /tmp is bounded by the memory limit", async () => {
    const script =
      "f = open('/tmp/fill', 'wb')\nfor _ in range(64): f.write(b'x' * (4 * 1024 * 1024))";
    const result = await py(script, { limits: { memoryBytes: 64 * MiB } });
    expect(result.exitCode).not.toBe(0);
    expect(result.limit === "memory" || /No space left/.test(result.stderr)).toBe(true);
  });

  test("a file larger than fileBytes cannot be written", async () => {
    const script =
      "f = open('big', 'wb')\nfor _ in range(200): f.write(b'x' * (1024 * 1024))\nf.close()";
    const result = await py(script, { limits: { fileBytes: 64 * MiB } });
    expect(result.limit).toBe("file_size");
    expect(result.stderr).toContain("File too large");
    expect(statSync(path.join(workspace, "big")).size).toBeLessThanOrEqual(64 * MiB);
    rmSync(path.join(workspace, "big"));
  });

  test("an endless loop is killed at the wall-clock limit", async () => {
    const result = await py("while True: pass", { limits: { wallMs: 1_500 } });
    expect(result.limit).toBe("wall");
    expect(result.signal).toBe("SIGKILL");
    expect(result.durationMs).toBeGreaterThanOrEqual(1_500);
    expect(result.durationMs).toBeLessThan(2_500);
  });

  test("cannot signal host processes", async () => {
    const victim: ChildProcess = spawn("/bin/sleep", ["30"], { stdio: "ignore" });
    try {
      const result = await sh(
        `kill -9 ${victim.pid} ${process.pid} 2>&1; kill -9 1 2>&1; echo "pid1: $(cat /proc/1/comm)"`,
      );
      expect(result.stdout).toContain(`kill: No such process`);
      expect(result.stdout).toContain("pid1: bwrap"); // its own init, not the host's
      expect(victim.exitCode).toBeNull();
      expect(victim.signalCode).toBeNull();
      expect(spawnSync("/bin/kill", ["-0", String(victim.pid)]).status).toBe(0);
    } finally {
      victim.kill("SIGKILL");
    }
  });

  test("cannot read Kiln's environment", async () => {
    const hostEnviron = readFileSync(`/proc/${process.pid}/environ`, "utf8").split("\0");
    const foreign = hostEnviron.filter((entry) => !/^(PATH|HOME|LANG|PWD)=/.test(entry) && entry);
    expect(foreign.length).toBeGreaterThan(0);
    const paths = ["/proc/1/environ", `/proc/${process.pid}/environ`, "/proc/self/environ"];
    const result = await py(
      tryEach(paths, "sys.stdout.write(p + ' ' + open(p).read().replace('\\0', ' ') + '\\n')"),
    );
    expect(result.stdout).toContain(`/proc/${process.pid}/environ FileNotFoundError`);
    for (const entry of foreign) expect(result.stdout).not.toContain(entry);
    expect(result.stdout).not.toContain(secret);
  });

  test("has no capabilities and no way to gain them", async () => {
    const result = await sh(
      "grep CapEff /proc/self/status; id -u; unshare -Ur true 2>/dev/null && echo UNSHARED; echo end",
    );
    expect(result.stdout).toBe("CapEff:\t0000000000000000\n1000\nend\n");
  });
});
