import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { inspect } from "node:util";
import { describe, expect, test } from "vitest";
import { kilnError, run, setup, started } from "@/tests/support/fake-e2b/provider";

// The E2B provider through the real @e2b/code-interpreter SDK, talking over HTTP to a local E2B
// (tests/support/fake-e2b.ts) whose sandboxes run commands and Python for real. Commands are
// in e2b-commands.test.ts, servers in e2b-server.test.ts.

describe("create and connect", () => {
  test("creates on E2B's template with Kiln's metadata and lifetime", async () => {
    const { sandbox, state } = await started("nextjs-developer");
    expect(sandbox.provider).toBe("e2b");
    expect(state).toMatchObject({
      template: "nextjs-developer",
      timeoutMs: 600_000,
      metadata: { userId: "usr_1", kilnSandboxId: "sbx_abc123", kilnTemplate: "nextjs-developer" },
    });
  });

  test("templates E2B does not have run on its base template", async () => {
    for (const template of ["static-html", "node-server"] as const) {
      const { state } = await started(template);
      expect(state.template).toBe("base");
    }
  });

  test("connect reattaches to a running sandbox and finds its files", async () => {
    const { provider, sandbox } = await started();
    await sandbox.writeFiles([{ path: "notes.txt", content: "kept" }]);
    const again = await provider.connect("sbx_abc123", sandbox.externalId);
    expect(await again?.readFile("/workspace/notes.txt")).toBe("kept");
  });

  test("after kill, connect finds nothing and calls on the old handle are 404", async () => {
    const { provider, sandbox, state } = await started();
    await sandbox.kill();
    expect(state.isKilled).toBe(true);
    expect(await provider.connect("sbx_abc123", sandbox.externalId)).toBeUndefined();
    for (const call of [
      () => sandbox.runCode("1 + 1"),
      () => sandbox.runCommand({ command: "ls", workingDirectory: "/workspace" }),
      () => sandbox.readFile("a.txt"),
      () => sandbox.listFiles("/workspace"),
      () => sandbox.writeFiles([{ path: "a.txt", content: "a" }]),
      () => sandbox.setTimeout(60_000),
    ]) {
      const error = await kilnError(call());
      expect([error.status, error.reason]).toEqual([404, "sandbox_gone"]);
    }
  });

  test("connect to an id E2B never had is undefined", async () => {
    const { provider } = await setup();
    expect(await provider.connect("sbx_x", "inothere")).toBeUndefined();
  });

  test("destroy ends a sandbox by id, and again without complaint", async () => {
    const { provider, sandbox, state } = await started();
    await provider.destroy("sbx_abc123", sandbox.externalId);
    expect(state.isKilled).toBe(true);
    await provider.destroy("sbx_abc123", sandbox.externalId);
  });

  test("setTimeout changes the sandbox's lifetime on E2B", async () => {
    const { sandbox, state } = await started();
    await sandbox.setTimeout(1_800_000);
    expect(state.timeoutMs).toBe(1_800_000);
  });
});

describe("the API key stays secret", () => {
  test("a refused key is a 503 that does not name the key", async () => {
    const wrong = "e2b_wrong_key_that_must_not_leak";
    const { provider } = await setup({ kilnApiKey: wrong });
    const attempts = [
      () =>
        provider.create({
          sbxId: "sbx_a",
          template: "static-html",
          lifetimeMs: 1,
          metadata: {},
        }),
      () => provider.connect("sbx_a", "iabc"),
      () => provider.destroy("sbx_a", "iabc"),
    ];
    for (const attempt of attempts) {
      const error = await kilnError(attempt());
      expect(error.status).toBe(503);
      expect(error.reason).toBe("e2b_unauthorized");
      expect(error.message).toMatch(/E2B_API_KEY/);
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain(wrong);
    }
  });

  test("other E2B errors are passed on with the key masked", async () => {
    const { fake, provider } = await setup();
    fake.failNext(400, `template not allowed for ${fake.apiKey}`);
    const error = await kilnError(
      provider.create({ sbxId: "sbx_a", template: "static-html", lifetimeMs: 1, metadata: {} }),
    );
    expect(error.status).toBe(502);
    expect(error.message).toBe("E2B: 400: template not allowed for [redacted]");
  });

  test("metadata never carries the key, and a handle does not show it", async () => {
    const { fake, provider } = await setup();
    const sandbox = await provider.create({
      sbxId: "sbx_a",
      template: "code-interpreter-v1",
      lifetimeMs: 60_000,
      metadata: { note: `key=${fake.apiKey}`, userId: "usr_1" },
    });
    const { metadata } = fake.sandbox(sandbox.externalId);
    expect(metadata).toEqual({
      userId: "usr_1",
      kilnSandboxId: "sbx_a",
      kilnTemplate: "code-interpreter-v1",
    });
    expect(JSON.stringify(sandbox)).not.toContain(fake.apiKey);
    expect(inspect(sandbox, { depth: 10, showHidden: true })).not.toContain(fake.apiKey);
  });
});

// A cell that prints a line, then runs until stopped.
const endless = 'print("tick")\nimport time\nwhile True:\n    time.sleep(0.01)';

describe("runCode", () => {
  test("maps output, text and image results, and streams output as it comes", async () => {
    const { sandbox } = await started();
    const code = [
      "import sys",
      "class Figure:",
      "    def __repr__(self): return '<Figure size 640x480 with 1 Axes>'",
      "    def _repr_png_(self): return b'\\x89PNG\\r\\n\\x1a\\n'",
      'print("loading")',
      'print("done")',
      'print("warning: slow", file=sys.stderr)',
      "display(Figure())",
      "6 * 7",
    ].join("\n");
    const chunks: string[] = [];
    const execution = await sandbox.runCode(code, {
      onStdout: (chunk) => chunks.push(`out:${chunk}`),
      onStderr: (chunk) => chunks.push(`err:${chunk}`),
    });
    expect(execution).toEqual({
      stdout: "loading\ndone\n",
      stderr: "warning: slow\n",
      runtimeError: null,
      cellResults: [{ png: "iVBORw0KGgo=" }, { text: "42" }],
    });
    expect(chunks).toEqual(["out:loading\n", "out:done\n", "err:warning: slow\n"]);
  });

  test("output beyond 1 MiB is cut, as on local sandboxes, and streaming stops there too", async () => {
    const { sandbox } = await started();
    // 1024 lines of 2047 bytes of UTF-8, then a line on stderr
    const code =
      'import sys\nfor _ in range(1024):\n    print("é" * 1023)\nprint("tail", file=sys.stderr)';
    let streamed = 0;
    const execution = await sandbox.runCode(code, {
      onStdout: (chunk) => {
        streamed += Buffer.byteLength(chunk);
      },
    });
    expect(Buffer.byteLength(execution.stdout)).toBeLessThanOrEqual(1024 * 1024);
    expect(Buffer.byteLength(execution.stdout)).toBeGreaterThan(1024 * 1024 - 4);
    expect(execution.stdout).not.toContain("\uFFFD");
    expect(execution.stderr).toBe("\n[output truncated at 1048576 bytes]\n");
    expect(streamed).toBeLessThanOrEqual(1024 * 1024);
  });

  test("an exception in the code is the execution's runtime error", async () => {
    const { sandbox } = await started();
    const execution = await sandbox.runCode('print("before")\nraise ValueError("bad input")');
    expect(execution.stdout).toBe("before\n");
    expect(execution.runtimeError).toMatchObject({ name: "ValueError", value: "bad input" });
    expect(execution.runtimeError?.traceback).toContain("ValueError: bad input");
    expect(execution.cellResults).toEqual([]);
  });

  test("the last expression's value is a text result, and variables live on", async () => {
    const { sandbox } = await started();
    await sandbox.runCode("base = 2 + 3");
    const execution = await sandbox.runCode('print("hi")\nbase * 4');
    expect(execution).toMatchObject({ stdout: "hi\n", cellResults: [{ text: "20" }] });
  });

  test("code past its time limit ends with the wall limit, and the kernel is freed", async () => {
    const { sandbox, state } = await started();
    await sandbox.runCode("1"); // the kernel is up, so the limit counts the cell alone
    const execution = await sandbox.runCode(endless, { timeoutMs: 2_000 });
    expect(execution.limit).toBe("wall");
    expect(execution.stdout).toBe("tick\n");
    expect(execution.runtimeError?.name).toBe("TimeoutError");
    expect(execution.runtimeError?.value).toContain("kernel was restarted");
    // E2B leaves the loop running; without the restart this would wait behind it.
    expect(state.kernelRestarts).toBe(1);
    const next = await sandbox.runCode("1 + 1", { timeoutMs: 10_000 });
    expect(next.cellResults).toEqual([{ text: "2" }]);
  });

  test("an abort stops waiting, restarts the kernel and keeps the output so far", async () => {
    const { sandbox, state } = await started();
    const controller = new AbortController();
    const execution = await sandbox.runCode(endless, {
      signal: controller.signal,
      onStdout: () => controller.abort(),
    });
    expect(execution).toMatchObject({
      stdout: "tick\n",
      runtimeError: { name: "KeyboardInterrupt" },
      cellResults: [],
    });
    expect(execution.limit).toBeUndefined();
    expect(state.kernelRestarts).toBe(1);
  });

  test("code aborted before it starts does not reach E2B", async () => {
    const { sandbox, state } = await started();
    const execution = await sandbox.runCode("1 + 1", { signal: AbortSignal.abort() });
    expect(execution.runtimeError?.name).toBe("KeyboardInterrupt");
    expect(state.code).toEqual([]);
  });
});

describe("files", () => {
  test("writes, reads and lists under /workspace, stored in E2B's /home/user", async () => {
    const { sandbox, state } = await started();
    const written = await sandbox.writeFiles([
      { path: "src/app.py", content: "print('hi')\n" },
      { path: "/workspace/README.md", content: "# Hi\n" },
    ]);
    expect(written).toEqual(["/workspace/src/app.py", "/workspace/README.md"]);
    const host = state.machine.hostPath("/home/user/src/app.py") as string;
    expect(readFileSync(host, "utf8")).toBe("print('hi')\n");
    expect(await sandbox.readFile("/workspace/src/app.py")).toBe("print('hi')\n");
    expect(await sandbox.listFiles("/workspace")).toEqual([
      { name: "README.md", path: "/workspace/README.md", type: "file", size: 5 },
      {
        name: "src",
        path: "/workspace/src",
        type: "directory",
        size: statSync(path.dirname(host)).size,
      },
    ]);
  });

  test("a symlink is listed as one", async () => {
    const { sandbox } = await started();
    await run(sandbox, "touch target && ln -s target link");
    expect(await sandbox.listFiles("/workspace")).toMatchObject([
      { name: "link", type: "symlink" },
      { name: "target", type: "file" },
    ]);
  });

  test("missing files and directories are 404, paths outside are 400", async () => {
    const { sandbox } = await started();
    await sandbox.writeFiles([{ path: "a.txt", content: "a" }]);
    expect((await kilnError(sandbox.readFile("nothing.txt"))).status).toBe(404);
    expect((await kilnError(sandbox.readFile("/workspace"))).status).toBe(404);
    expect((await kilnError(sandbox.listFiles("nowhere"))).status).toBe(404);
    expect((await kilnError(sandbox.listFiles("a.txt"))).status).toBe(404);
    expect((await kilnError(sandbox.readFile("../etc/passwd"))).status).toBe(400);
    expect((await kilnError(sandbox.writeFiles([{ path: "/tmp/x", content: "" }]))).status).toBe(
      400,
    );
  });

  test("a file over 1 MiB is refused", async () => {
    const { sandbox } = await started();
    await sandbox.writeFiles([{ path: "big.txt", content: "x".repeat(1024 * 1024 + 1) }]);
    expect((await kilnError(sandbox.readFile("big.txt"))).status).toBe(413);
  });
});
