import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { type PythonSession, startPythonSession } from "./python-session";

const MiB = 1024 * 1024;
const hasMatplotlib =
  spawnSync("/usr/bin/python3", ["-I", "-c", "import matplotlib"], { stdio: "ignore" }).status ===
  0;

let workspace: string;
const sessions: PythonSession[] = [];

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), "kiln-python-"));
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});

afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
});

function start(options: Partial<Parameters<typeof startPythonSession>[0]> = {}) {
  const session = startPythonSession({ workspace, lifetimeMs: 60_000, ...options });
  sessions.push(session);
  return session;
}

/** The pids of processes whose command line holds `marker`, and all their descendants. */
function processTree(marker: string): number[] {
  const parents = new Map<number, number>();
  const found: number[] = [];
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) found.push(pid);
    } catch {}
  }
  // The sandbox's own processes (the launcher, bwrap) do not show the marker: their options are
  // not on their command lines. They are the marked process's ancestors below this one.
  for (const pid of [...found]) {
    for (let up = parents.get(pid); up && up !== process.pid && up > 1; up = parents.get(up)) {
      if (!found.includes(up)) found.push(up);
    }
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (found.includes(parent) && !found.includes(pid)) {
        found.push(pid);
        grew = true;
      }
    }
  }
  return found.filter(isRunning);
}

/** Alive and not a zombie: a killed bwrap's child is reparented to init, which reaps it later. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("startPythonSession", () => {
  test("prints, returns the last expression and keeps state between executions", async () => {
    const session = start();
    const first = await session.run("x = 1\nprint('hello')");
    expect(first).toEqual({ stdout: "hello\n", stderr: "", runtimeError: null, cellResults: [] });
    const second = await session.run("x + 1");
    expect(second.cellResults).toEqual([{ text: "2" }]);
    const third = await session.run("def greet(name):\n    return f'hi {name}'\ngreet('kiln')");
    expect(third.cellResults).toEqual([{ text: "'hi kiln'" }]);
    // A last expression that is None shows nothing, as in Jupyter.
    expect((await session.run("print('side effect')")).cellResults).toEqual([]);
  });

  test("reports a runtime error with the cell's frames only", async () => {
    const session = start();
    const execution = await session.run(
      "def divide(a, b):\n    return a / b\n\nprint('before')\ndivide(1, 0)",
    );
    expect(execution.stdout).toBe("before\n");
    expect(execution.runtimeError).toMatchObject({
      name: "ZeroDivisionError",
      value: "division by zero",
    });
    const traceback = execution.runtimeError!.traceback;
    expect(traceback).toContain('File "<cell>", line 5, in <module>\n    divide(1, 0)');
    expect(traceback).toContain('File "<cell>", line 2, in divide\n    return a / b');
    expect(traceback).toMatch(/ZeroDivisionError: division by zero\n$/);
    expect(traceback).not.toContain("kernel.py");
  });

  test("reports a syntax error and runs nothing of the cell", async () => {
    const session = start();
    const execution = await session.run("print('never')\nx = = 2");
    expect(execution.stdout).toBe("");
    expect(execution.runtimeError?.name).toBe("SyntaxError");
    expect(execution.runtimeError?.value).toContain("invalid syntax");
    expect(execution.runtimeError?.traceback).toContain('File "<cell>", line 2');
    expect(execution.runtimeError?.traceback).not.toContain("Traceback");
  });

  test("captures stderr, subprocess output and writes to the raw descriptors", async () => {
    const session = start();
    const code = [
      "import os, sys",
      "print('warning', file=sys.stderr)",
      "os.system('echo from-shell; echo shell-error >&2')",
      "os.write(1, b'raw\\n')",
      "sys.__stdout__.write('dunder\\n')",
      "input()",
    ].join("\n");
    const execution = await session.run(code);
    expect(execution.stdout).toBe("from-shell\nraw\ndunder\n");
    expect(execution.stderr).toBe("warning\nshell-error\n");
    // stdin carries the protocol; the cell reads end of file instead.
    expect(execution.runtimeError?.name).toBe("EOFError");
  });

  test("streams output while the cell runs, in order across stdout and stderr", async () => {
    const session = start();
    const chunks: [string, string][] = [];
    // The cell waits for a file the stdout callback writes: it finishes only if 'ready' was
    // delivered while it ran.
    const code = [
      "import os, sys, time",
      "print('ready')",
      "while not os.path.exists('go'): time.sleep(0.01)",
      "print('a'); print('b', file=sys.stderr); print('c')",
    ].join("\n");
    const execution = await session.run(code, {
      timeoutMs: 5_000,
      onStdout: (chunk) => {
        chunks.push(["out", chunk]);
        if (chunk.includes("ready")) writeFileSync(path.join(workspace, "go"), "");
      },
      onStderr: (chunk) => chunks.push(["err", chunk]),
    });
    rmSync(path.join(workspace, "go"));
    expect(execution.runtimeError).toBeNull();
    const merged = chunks.reduce<[string, string][]>((all, [stream, text]) => {
      const last = all.at(-1);
      if (last?.[0] === stream) last[1] += text;
      else all.push([stream, text]);
      return all;
    }, []);
    expect(merged).toEqual([
      ["out", "ready\na\n"],
      ["err", "b\n"],
      ["out", "c\n"],
    ]);
    expect(execution.stdout).toBe("ready\na\nc\n");
  });

  test("a printed protocol line stays output and cannot fake a result", async () => {
    const session = start();
    await session.run("1");
    // The next execution's id is "2"; each way of writing to stdout tries to answer for it.
    const forged = JSON.stringify({
      type: "result",
      id: "2",
      results: [{ text: "forged" }],
      error: null,
    });
    const code = [
      "import os, sys, time",
      `line = ${JSON.stringify(forged)}`,
      "print(line)",
      "os.write(1, (line + '\\n').encode())",
      "os.system('echo ' + repr(line))",
      "time.sleep(0.2)",
      "'real'",
    ].join("\n");
    const execution = await session.run(code);
    expect(execution.cellResults).toEqual([{ text: "'real'" }]);
    expect(execution.stdout).toBe(`${forged}\n`.repeat(3));
  });

  test("a timeout interrupts the cell and keeps the kernel's state", async () => {
    const session = start();
    await session.run("x = 41");
    for (const code of ["while True: pass", "import time\ntime.sleep(100)"]) {
      const started = performance.now();
      const execution = await session.run(code, { timeoutMs: 500 });
      // Either cell would run for minutes; the margin is for a loaded machine.
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(execution.limit).toBe("wall");
      expect(execution.runtimeError).toMatchObject({
        name: "TimeoutError",
        value: "Execution exceeded 0.5 s",
      });
      expect(execution.runtimeError?.traceback).toContain('File "<cell>", line');
    }
    // `except Exception` does not swallow the interrupt.
    const stubborn = "while True:\n    try:\n        pass\n    except Exception:\n        pass";
    expect((await session.run(stubborn, { timeoutMs: 300 })).runtimeError?.name).toBe(
      "TimeoutError",
    );
    expect((await session.run("x + 1")).cellResults).toEqual([{ text: "42" }]);
  });

  test("a cell that ignores the interrupt is killed with its kernel", async () => {
    const session = start();
    await session.run("x = 1");
    const code = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass";
    const execution = await session.run(code, { timeoutMs: 300 });
    expect(execution.limit).toBe("wall");
    expect(execution.runtimeError?.name).toBe("TimeoutError");
    expect(execution.runtimeError?.value).toContain("state is lost");
    expect(session.alive).toBe(true);
    expect((await session.run("x")).runtimeError?.name).toBe("NameError");
    expect((await session.run("1 + 1")).cellResults).toEqual([{ text: "2" }]);
  });

  test("aborting interrupts the cell and keeps the kernel's state", async () => {
    const session = start();
    await session.run("x = 1");
    const controller = new AbortController();
    // print() may write "up" and its newline apart: stop once the whole line is out.
    let printed = "";
    const execution = await session.run("import time\nprint('up')\ntime.sleep(100)", {
      signal: controller.signal,
      onStdout: (text) => {
        printed += text;
        if (printed.endsWith("\n")) controller.abort();
      },
    });
    expect(execution.runtimeError).toMatchObject({
      name: "KeyboardInterrupt",
      value: "Execution cancelled",
    });
    expect(execution.stdout).toBe("up\n");
    expect((await session.run("x")).cellResults).toEqual([{ text: "1" }]);
  });

  test("the session ends with its lifetime", async () => {
    const session = start({ lifetimeMs: 1_000 });
    const execution = await session.run("import time\ntime.sleep(60)", { timeoutMs: 10_000 });
    expect(execution.limit).toBe("wall");
    expect(execution.runtimeError?.name).toBe("KernelDied");
    expect(execution.runtimeError?.value).toContain("lifetime ended");
    expect(session.alive).toBe(false);
    await expect(session.run("1")).rejects.toThrow("lifetime has ended");
  });

  test("a kernel that exits is reported and replaced on the next execution", async () => {
    const session = start();
    await session.run("x = 1");
    const execution = await session.run("import os\nprint('bye', flush=True)\nos._exit(3)");
    expect(execution.stdout).toBe("bye\n");
    expect(execution.runtimeError?.name).toBe("KernelDied");
    expect(execution.runtimeError?.value).toMatch(
      /^The kernel exited with code 3\. .*state is lost/,
    );
    const next = await session.run("'x' in globals()");
    expect(next.cellResults).toEqual([{ text: "False" }]);
  });

  test("a memory bomb kills the kernel, names the limit, and the next execution recovers", async () => {
    const session = start({ limits: { memoryBytes: 128 * MiB } });
    const bomb = "chunks = []\nwhile True: chunks.append(bytearray(8 * 1024 * 1024))";
    const execution = await session.run(bomb);
    expect(execution.limit).toBe("memory");
    expect(execution.runtimeError?.name).toBe("KernelDied");
    expect(execution.runtimeError?.value).toContain("memory limit (128 MiB)");
    expect((await session.run("2 ** 10")).cellResults).toEqual([{ text: "1024" }]);
  });

  test("output past the cap is cut with a note", async () => {
    const session = start({ limits: { outputBytes: 10_000 } });
    const execution = await session.run("for _ in range(1000): print('é' * 99)\n'done'");
    expect(execution.cellResults).toEqual([{ text: "'done'" }]);
    expect(Buffer.byteLength(execution.stdout)).toBeLessThanOrEqual(10_000);
    expect(Buffer.byteLength(execution.stdout)).toBeGreaterThan(9_990);
    expect(execution.stdout).not.toContain("\uFFFD");
    expect(execution.stderr).toContain("[output truncated");
  });

  test("concurrent executions run one after another", async () => {
    const session = start();
    const runs = [
      session.run("import time\ntime.sleep(0.2)\nsteps = ['first']"),
      session.run("steps.append('second')"),
      session.run("steps"),
    ];
    const [first, second, third] = await Promise.all(runs);
    expect(first!.runtimeError).toBeNull();
    expect(second!.runtimeError).toBeNull();
    expect(third!.cellResults).toEqual([{ text: "['first', 'second']" }]);
  });

  test("close() kills the kernel and everything it started", async () => {
    const marker = mkdtempSync(path.join(tmpdir(), "kiln-python-close-"));
    try {
      const session = start({ workspace: marker });
      await session.run(
        `import subprocess\nsubprocess.Popen(['/bin/sh', '-c', 'sleep 60', '${path.basename(marker)}'])`,
      );
      const tree = processTree(path.basename(marker));
      // The launcher, bwrap, its reaper, the kernel and sleep.
      expect(tree.length).toBeGreaterThanOrEqual(4);
      await session.close();
      // Processes of the sandbox's pid namespace are killed by the kernel as its init dies; the
      // last of them may take a moment more under load.
      await expect.poll(() => tree.filter(isRunning), { timeout: 15_000 }).toEqual([]);
      expect(session.alive).toBe(false);
      await expect(session.run("1")).rejects.toThrow("closed");
    } finally {
      rmSync(marker, { recursive: true, force: true });
    }
  });

  test.skipIf(!hasMatplotlib)(
    `returns matplotlib figures as PNG${hasMatplotlib ? "" : " (skipped: /usr/bin/python3 cannot import matplotlib)"}`,
    async () => {
      const session = start();
      const code = [
        "import matplotlib.pyplot as plt",
        "plt.plot([1, 2, 3], [1, 4, 9])",
        "plt.show()",
        "fig = plt.figure()",
        "print('drawn')",
      ].join("\n");
      const execution = await session.run(code, { timeoutMs: 20_000 });
      expect(execution.runtimeError).toBeNull();
      expect(execution.stderr).toBe("");
      const images = execution.cellResults.filter((result) => "png" in result);
      expect(images).toHaveLength(2);
      const png = Buffer.from((images[0] as { png: string }).png, "base64");
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      // Figures are closed once returned.
      expect((await session.run("len(plt.get_fignums())")).cellResults).toEqual([{ text: "0" }]);
    },
  );
});
