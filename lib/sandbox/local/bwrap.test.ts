import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { processesWith } from "@/tests/support/processes";
import { runInSandbox, type SandboxRun } from "./bwrap";
import type { RunInSandboxOptions } from "./bwrap-args";

const python = "/usr/bin/python3";
const secret = `kiln-test-secret-${randomUUID()}`;
let workspace: string;

beforeAll(() => {
  process.env.KILN_TEST_SECRET = secret;
  workspace = mkdtempSync(path.join(tmpdir(), "kiln-bwrap-"));
});

afterAll(() => {
  delete process.env.KILN_TEST_SECRET;
  rmSync(workspace, { recursive: true, force: true });
});

/** Runs a Python script tagged with a marker, so leftovers can be found by their command line. */
function start(script: string, options: Partial<RunInSandboxOptions> = {}) {
  const marker = `kiln-marker-${randomUUID()}`;
  const run = runInSandbox({ workspace, command: [python, "-c", script, marker], ...options });
  return { run, marker };
}

async function finish(started: { run: SandboxRun; marker: string }) {
  const result = await started.run.done;
  expect(processesWith(started.marker)).toEqual([]);
  expect(started.run.cgroupDirs.filter((dir) => existsSync(dir))).toEqual([]);
  return result;
}

describe("runInSandbox", () => {
  test("runs a command and returns its output", async () => {
    const result = await finish(start("print(1)"));
    expect(result).toMatchObject({ exitCode: 0, signal: null, stdout: "1\n", stderr: "" });
    expect(result.limit).toBeUndefined();
    expect(result.durationMs).toBeLessThan(5_000);
  });

  test("streams stdout and stderr in order while the command runs", async () => {
    const chunks: [string, string, number][] = [];
    const started = performance.now();
    const at = () => performance.now() - started;
    const script = [
      "import sys, time",
      "print('one', flush=True); time.sleep(0.1)",
      "print('two', file=sys.stderr, flush=True); time.sleep(0.1)",
      "print('three', flush=True); time.sleep(0.5)",
    ].join("\n");
    const result = await finish(
      start(script, {
        onStdout: (chunk) => chunks.push(["out", chunk, at()]),
        onStderr: (chunk) => chunks.push(["err", chunk, at()]),
      }),
    );
    expect(chunks.map(([stream, chunk]) => [stream, chunk])).toEqual([
      ["out", "one\n"],
      ["err", "two\n"],
      ["out", "three\n"],
    ]);
    // The first line arrived long before the command finished: streamed, not buffered.
    expect(chunks[0]![2]).toBeLessThan(result.durationMs - 500);
    expect(result.stdout).toBe("one\nthree\n");
    expect(result.stderr).toBe("two\n");
  });

  test("passes stdin", async () => {
    const script = "import sys; print(sys.stdin.read().upper(), end='')";
    const result = await finish(start(script, { stdin: "hello\nsandbox\n" }));
    expect(result.stdout).toBe("HELLO\nSANDBOX\n");
  });

  test("without stdin the command reads end of file", async () => {
    const result = await finish(start("import sys; print(repr(sys.stdin.read()))"));
    expect(result.stdout).toBe("''\n");
  });

  test.each([0, 3, 42])("exit code %i propagates", async (code) => {
    const result = await finish(start(`import sys; sys.exit(${code})`));
    expect(result.exitCode).toBe(code);
    expect(result.limit).toBeUndefined();
  });

  test("the environment holds only the defaults and what was passed", async () => {
    expect(process.env.KILN_TEST_SECRET).toBe(secret);
    // As the command received it, before Python adds anything of its own.
    const script = "print(open('/proc/self/environ').read().replace('\\0', '\\n'), end='')";
    const result = await finish(start(script, { env: { FOO: "bar", LANG: "en_US.UTF-8" } }));
    expect(result.stdout.split("\n").filter(Boolean).sort()).toEqual([
      "FOO=bar",
      "HOME=/workspace",
      "LANG=en_US.UTF-8",
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "PWD=/workspace", // bwrap's, after --chdir
    ]);
    expect(result.stdout).not.toContain(secret);
  });

  test("bwrap itself starts with a minimal environment", async () => {
    let environ = "";
    let cmdline = "";
    const started = start("import time; print('up', flush=True); time.sleep(5)", {
      // By the first output the launcher has become bwrap, which still holds its pid (right
      // after spawn it may not have exec'd yet, and would still show Node's own).
      onStdout: () => {
        environ = readFileSync(`/proc/${started.run.pid}/environ`, "utf8");
        cmdline = readFileSync(`/proc/${started.run.pid}/cmdline`, "utf8");
        started.run.kill();
      },
    });
    await finish(started);
    expect(cmdline).toContain(started.marker);
    expect(environ.split("\0").filter(Boolean)).toEqual([
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "PWD=/",
    ]);
  });

  test("rejects invalid variables, an empty command and a cwd outside the workspace", () => {
    expect(() => start("", { env: { "A=B": "x" } })).toThrow(/^env: /);
    expect(() => start("", { env: { LD_PRELOAD: "/workspace/x.so" } })).toThrow(/^env: /);
    expect(() => runInSandbox({ workspace, command: [] })).toThrow(/^command: /);
    // Options travel NUL-separated to bwrap: a NUL byte is refused, not a split argument.
    expect(() => runInSandbox({ workspace, command: ["/bin/true", "a\0b"] })).toThrow(
      /^command: contains a NUL byte/,
    );
    expect(() =>
      runInSandbox({
        workspace,
        command: ["/bin/true"],
        readOnlyBinds: [{ host: "/usr\0--bind", sandbox: "/x" }],
      }),
    ).toThrow(/^readOnlyBinds: contains a NUL byte/);
    expect(() => start("", { cwd: "../etc" })).toThrow(/^cwd: /);
    expect(() => start("", { cwd: "/" })).toThrow(/^cwd: /);
    expect(() => start("", { limits: { wallMs: -1 } })).toThrow(/^limits\.wallMs: /);
  });

  test("runs in /workspace or a folder inside it, and writes reach the host", async () => {
    mkdirSync(path.join(workspace, "sub"), { recursive: true });
    const script = "import os; print(os.getcwd()); open('made.txt', 'w').write('hi')";
    expect((await finish(start(script))).stdout).toBe("/workspace\n");
    expect((await finish(start(script, { cwd: "sub" }))).stdout).toBe("/workspace/sub\n");
    expect(readFileSync(path.join(workspace, "sub", "made.txt"), "utf8")).toBe("hi");
  });

  test("read-only binds can be read but not written", async () => {
    const deps = mkdtempSync(path.join(tmpdir(), "kiln-deps-"));
    try {
      const script = [
        "print(open('/deps/readme').read())",
        "try:\n  open('/deps/new', 'w')\nexcept OSError as e:\n  print(e.strerror)",
      ].join("\n");
      writeFileSync(path.join(deps, "readme"), "cached");
      const result = await finish(
        start(script, { readOnlyBinds: [{ host: deps, sandbox: "/deps" }] }),
      );
      expect(result.stdout).toBe("cached\nRead-only file system\n");
      expect(existsSync(path.join(deps, "new"))).toBe(false);
    } finally {
      rmSync(deps, { recursive: true, force: true });
    }
  });

  test("network: true shares the host's network", async () => {
    const server = createServer((socket) => socket.end("hello from the host"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const script = `import socket; s = socket.create_connection(('127.0.0.1', ${port}), 2); print(s.recv(100).decode())`;
      const result = await finish(start(script, { network: true }));
      expect(result.stdout).toBe("hello from the host\n");
    } finally {
      server.close();
    }
  });

  test("aborting kills the sandbox promptly", async () => {
    const controller = new AbortController();
    const started = start("import time; print('up', flush=True); time.sleep(60)", {
      signal: controller.signal,
      onStdout: () => controller.abort(),
    });
    const result = await finish(started);
    expect(result.signal).toBe("SIGKILL");
    expect(result.limit).toBeUndefined();
    // Far below the 60 s it would sleep, with room for a loaded machine.
    expect(result.durationMs).toBeLessThan(15_000);
  });

  test("an already aborted signal never lets the command run", async () => {
    const result = await finish(start("open('ran', 'w')", { signal: AbortSignal.abort() }));
    expect(result.signal).toBe("SIGKILL");
    expect(existsSync(path.join(workspace, "ran"))).toBe(false);
  });

  test("output beyond outputBytes is cut and ends the run", async () => {
    const seen: string[] = [];
    const result = await finish(
      start("import sys\nwhile True: sys.stdout.write('x' * 4096)", {
        limits: { outputBytes: 10_000 },
        onStdout: (chunk) => seen.push(chunk),
      }),
    );
    expect(result.limit).toBe("output");
    expect(result.stdout).toBe("x".repeat(10_000));
    expect(seen.join("")).toBe(result.stdout);
  });
});
