import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { processesWith } from "@/tests/support/processes";
import { runInSandbox } from "./bwrap";
import type { RunInSandboxOptions } from "./bwrap-args";
import {
  asInstaller,
  giveToSandboxUser,
  installerUid,
  ownedBySandboxUser,
  sandboxUids,
  sandboxUserOf,
} from "./sandbox-user";
import { writeWorkspaceFile } from "./workspace";

// What a hostile command tries, each expected to be refused or cut short by a named limit,
// with the host unaffected and nothing of the sandbox left running afterwards.

const python = "/usr/bin/python3";
const MiB = 1024 * 1024;
const secret = `kiln-test-secret-${randomUUID()}`;
let workspace: string;
let elsewhere: string;
// Every case runs twice: in a workspace of the sandbox user (every sandbox's, Kiln being root
// here), and in one of Kiln's own (as template installs run, or any run where Kiln is not root).
const modes = [
  { name: "as the sandbox user", owned: true },
  { name: "in a user namespace of Kiln's", owned: false },
];
const workspaces: string[] = [];

beforeAll(() => {
  process.env.KILN_TEST_SECRET = secret;
  elsewhere = mkdtempSync(path.join(tmpdir(), "kiln-elsewhere-"));
  writeFileSync(path.join(elsewhere, "private.txt"), secret);
});

afterAll(() => {
  delete process.env.KILN_TEST_SECRET;
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
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

describe.each(modes)("a sandboxed command, $name", ({ owned }) => {
  // Who the command is inside: the workspace's own uid, or the user namespace's 1000.
  let uid = "1000";
  beforeAll(async () => {
    workspace = mkdtempSync(path.join(tmpdir(), "kiln-contain-"));
    workspaces.push(workspace);
    if (owned) await giveToSandboxUser(workspace);
    expect(ownedBySandboxUser(workspace)).toBe(owned);
    if (owned) uid = String(sandboxUserOf(workspace));
  });

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
    expect(result.durationMs).toBeLessThan(10_000);
    expect(spawnSync("/bin/true").status).toBe(0);
  });

  test("a shell fork bomb is stopped by the process limit", async () => {
    const result = await sh("while :; do /bin/sh -c 'sleep 100' & done", {
      limits: { processes: 32 },
    });
    expect(result.limit).toBe("processes");
    expect(result.durationMs).toBeLessThan(10_000);
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
    // The loop would run forever; the margin is for a loaded machine.
    expect(result.durationMs).toBeLessThan(10_000);
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

  test("the kernel's riskier interfaces are refused with EPERM (seccomp)", async () => {
    // Each of these succeeds for an unprivileged process without the filter, or fails otherwise.
    const calls: [string, number, number[]][] = [
      ["keyctl(GET_KEYRING_ID)", 250, [0, -3, 0]],
      ["add_key", 248, [0, 0, 0, 0, -3]],
      ["request_key", 249, [0, 0, 0, 0]],
      ["bpf", 321, [0, 0, 0]],
      ["userfaultfd(USER_MODE_ONLY)", 323, [1]],
      ["perf_event_open", 298, [0, 0, -1, -1, 0]],
      ["ptrace(TRACEME)", 101, [0, 0, 0, 0]],
      ["process_vm_readv", 310, [0, 0, 0, 0, 0, 0]],
      ["mount", 165, [0, 0, 0, 0, 0]],
      ["umount2", 166, [0, 0]],
      ["fsopen", 430, [0, 0]],
      ["open_tree", 428, [-100, 0, 0]],
      ["unshare(NEWUSER)", 272, [0x10000000]],
      ["unshare(NEWNS)", 272, [0x00020000]],
      ["setns", 308, [0, 0]],
      ["io_uring_setup", 425, [1, 0]],
      ["personality(ADDR_NO_RANDOMIZE)", 135, [0x0040000]],
      ["syslog", 103, [3, 0, 0]],
      ["open_by_handle_at", 304, [0, 0, 0]],
      ["kexec_load", 246, [0, 0, 0, 0]],
      ["init_module", 175, [0, 0, 0]],
    ];
    const result = await py(
      [
        "import ctypes, errno",
        "libc = ctypes.CDLL(None, use_errno=True)",
        "libc.syscall.restype = ctypes.c_long",
        `for name, nr, args in ${JSON.stringify(calls)}:`,
        "  ctypes.set_errno(0)",
        "  r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])",
        "  print(name, 'OK' if r >= 0 else errno.errorcode[ctypes.get_errno()])",
      ].join("\n"),
    );
    expect(result.stdout).toBe(calls.map(([name]) => `${name} EPERM\n`).join(""));
  });

  test("unshare -U and unshare(2) fail with EPERM; clone3 is ENOSYS, and threads and forks work", async () => {
    const result = await sh(
      [
        "unshare -U true 2>&1",
        `${python} -c 'import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.unshare(0x10000000), ctypes.get_errno())'`,
        `${python} -c 'import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.syscall(435, 0, 0), ctypes.get_errno())'`,
        // Threads and processes (clone without namespaces) still work.
        `${python} -c 'import threading, subprocess; t = threading.Thread(target=print, args=("thread",)); t.start(); t.join(); print(subprocess.run(["echo", "child"], capture_output=True, text=True).stdout.strip())'`,
      ].join("; "),
    );
    expect(result.stdout).toBe(
      "unshare: unshare failed: Operation not permitted\n-1 1\n-1 38\nthread\nchild\n",
    );
  });

  test("a call through another architecture's ABI (i386 int 0x80) kills the process", async () => {
    // mov eax, 20 (i386 getpid); int 0x80; ret
    const program = [
      "import ctypes, mmap",
      "code = bytes([0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xc3])",
      "m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)",
      "m.write(code)",
      "f = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(m)))",
      "print('before', flush=True)",
      "print('returned', f())",
    ].join("\n");
    // Some hosts (virtual machines among them) refuse int 0x80 to every process with SIGSEGV;
    // elsewhere the call returns, and only the sandbox's filter stops it, with SIGSYS.
    const host = spawnSync("python3", ["-c", program], { encoding: "utf8" });
    const hostRefuses = host.signal === "SIGSEGV";
    if (!hostRefuses) expect(host.stdout).toMatch(/^before\nreturned \d+\n$/);
    const result = await py(program);
    expect(result.stdout).toBe("before\n");
    expect(result.exitCode).toBe(128 + (hostRefuses ? 11 : 31)); // SIGSEGV : SIGSYS
  });

  test("what a sandbox is given in its environment shows in no host process's command line", async () => {
    // As a token given to an app in its environment would be.
    const token = `kiln-token-${randomUUID()}`;
    let ready = () => {};
    const started = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const run = runInSandbox({
      workspace,
      command: ["/bin/sh", "-c", 'echo "$APP_SECRET"; read line'],
      env: { APP_SECRET: `/api/sandbox/sbx_x/preview/${token}` },
      openStdin: true,
      onStdout: () => ready(),
    });
    await started;
    try {
      expect(processesWith(token)).toEqual([]);
    } finally {
      run.kill();
    }
    expect((await run.done).stdout).toContain(token);
  });

  test("has no capabilities and no way to gain them", async () => {
    const result = await sh(
      "grep CapEff /proc/self/status; id -u; unshare -Ur true 2>/dev/null && echo UNSHARED; echo end",
    );
    expect(result.stdout).toBe(`CapEff:\t0000000000000000\n${uid}\nend\n`);
  });
});

describe("the sandbox user", () => {
  let own: string;
  let ownUid: number;
  beforeAll(async () => {
    own = mkdtempSync(path.join(tmpdir(), "kiln-contain-user-"));
    workspaces.push(own);
    await giveToSandboxUser(own);
    ownUid = sandboxUserOf(own)!;
  });

  test("is a uid of each workspace's own, never the installer's, never another's", async () => {
    expect(ownUid).toBeGreaterThan(sandboxUids.first);
    expect(ownUid).toBeLessThan(sandboxUids.first + sandboxUids.count);
    const others = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const other = mkdtempSync(path.join(tmpdir(), "kiln-contain-other-"));
      workspaces.push(other);
      await giveToSandboxUser(other);
      others.add(sandboxUserOf(other)!);
    }
    expect(others.size).toBe(8);
    expect(others.has(ownUid)).toBe(false);
    expect(others.has(installerUid)).toBe(false);
    // One sandbox's user cannot write into another's workspace, whatever it could reach.
    const other = workspaces.at(-1)!;
    const result = await runInSandbox({
      workspace: own,
      command: ["/bin/sh", "-c", "id -u"],
    }).done;
    expect(result.stdout).toBe(`${ownUid}\n`);
    expect(statSync(other).uid).not.toBe(ownUid);
    expect(statSync(other).mode & 0o022).toBe(0); // not writable by group or others
  });

  test("is, on the host, an unprivileged uid of no account, with no capabilities", async () => {
    const marker = `kiln-marker-${randomUUID()}`;
    let ready = () => {};
    const started = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const run = runInSandbox({
      workspace: own,
      command: ["/bin/sh", "-c", "echo > made-inside; echo ready; read line", marker],
      openStdin: true,
      onStdout: () => ready(),
    });
    await started;
    try {
      // bwrap's own two processes (outside, and its reaper as the sandbox's pid 1) stay root
      // with no capabilities; every process of the command is the sandbox user.
      const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      const pids = processesWith(marker).filter((pid) => comm(pid) !== "bwrap");
      expect(pids.map(comm)).toEqual(["sh"]);
      for (const pid of pids) {
        const status = readFileSync(`/proc/${pid}/status`, "utf8");
        const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, "m").exec(status)?.[1];
        const id = String(ownUid);
        expect(field("Uid")?.split(/\s+/)).toEqual([id, id, id, id]);
        expect(field("Gid")?.split(/\s+/)).toEqual([id, id, id, id]);
        expect(field("Groups")).toBe("");
        for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) {
          expect(field(set), set).toBe("0000000000000000");
        }
        expect(field("NoNewPrivs")).toBe("1");
        expect(field("Seccomp")).toBe("2"); // filtered
      }
      expect(readFileSync("/etc/passwd", "utf8")).not.toMatch(new RegExp(`:${ownUid}:`));
    } finally {
      run.kill();
    }
    await run.done;
    expect(statSync(path.join(own, "made-inside")).uid).toBe(ownUid);
  });

  test("Kiln's own installs run as the installer uid, and leave a tree that is Kiln's", async () => {
    const staging = mkdtempSync(path.join(tmpdir(), "kiln-contain-install-"));
    workspaces.push(staging);
    writeFileSync(path.join(staging, "package.json"), "{}\n");
    const result = await asInstaller(
      staging,
      () =>
        runInSandbox({
          workspace: staging,
          command: ["/bin/sh", "-c", "id -u; mkdir -p node_modules/a && echo x > node_modules/a/f"],
        }).done,
    );
    expect(result.stdout).toBe(`${installerUid}\n`);
    for (const inside of ["", "package.json", "node_modules/a", "node_modules/a/f"]) {
      expect(statSync(path.join(staging, inside)).uid, inside || ".").toBe(process.getuid?.());
    }
  });

  test("a setpriv planted in the workspace, first on PATH, is not what drops privileges", async () => {
    const bin = path.join(own, "node_modules", ".bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, "setpriv"), "#!/bin/sh\nid -u > /workspace/planted-ran\n", {
      mode: 0o755,
    });
    const result = await runInSandbox({
      workspace: own,
      command: ["/bin/sh", "-c", "id -u"],
      env: { PATH: "/workspace/node_modules/.bin:/usr/bin:/bin" },
    }).done;
    expect(result.stdout).toBe(`${ownUid}\n`);
    expect(existsSync(path.join(own, "planted-ran"))).toBe(false);
  });

  test("owns what Kiln writes into its workspace, so it can change it", async () => {
    await writeWorkspaceFile(own, "/workspace/src/deep/app.py", "print(1)\n");
    for (const inside of ["src", "src/deep", "src/deep/app.py"]) {
      expect(statSync(path.join(own, inside)).uid, inside).toBe(ownUid);
    }
    const result = await runInSandbox({
      workspace: own,
      command: ["/bin/sh", "-c", "echo more >> src/deep/app.py && mkdir src/deep/new && echo ok"],
    }).done;
    expect(result.stdout).toBe("ok\n");
  });
});
