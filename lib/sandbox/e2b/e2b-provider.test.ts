import { inspect } from "node:util";
import { SandboxError } from "@e2b/code-interpreter";
import { describe, expect, test } from "vitest";
import { KilnError } from "@/lib/errors";
import type { SandboxHandle } from "@/lib/sandbox/provider";
import type { TemplateId } from "@/lib/templates/templates";
import { FakeE2b } from "@/tests/support/fake-e2b";
import { createE2bProvider } from "./e2b-provider";

const domain = "e2b.test";

function setup(options: { apiKey?: string; serverReadyTimeoutMs?: number } = {}) {
  const fake = new FakeE2b({ templatePorts: { "nextjs-developer": [3000] } });
  const provider = createE2bProvider({
    apiKey: options.apiKey ?? fake.apiKey,
    domain,
    sdk: fake.Sandbox,
    fetch: fake.fetch,
    serverPollMs: 2,
    serverReadyTimeoutMs: options.serverReadyTimeoutMs ?? 2_000,
  });
  return { fake, provider };
}

async function started(template: TemplateId = "code-interpreter-v1") {
  const { fake, provider } = setup();
  const sandbox = await provider.create({
    sbxId: "sbx_abc123",
    template,
    lifetimeMs: 600_000,
    metadata: { userId: "usr_1" },
  });
  return { fake, provider, sandbox, state: fake.sandbox(sandbox.externalId) };
}

/** The KilnError a promise rejects with. */
async function kilnError(promise: Promise<unknown>): Promise<KilnError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KilnError);
  return error as KilnError;
}

async function run(sandbox: SandboxHandle, command: string, workingDirectory = "/workspace") {
  return sandbox.runCommand({ command, workingDirectory, timeoutMs: 5_000 });
}

describe("create and connect", () => {
  test("creates on E2B's template with Kiln's metadata, lifetime and key", async () => {
    const { sandbox, state } = await started("nextjs-developer");
    expect(sandbox.provider).toBe("e2b");
    expect(state).toMatchObject({
      template: "nextjs-developer",
      timeoutMs: 600_000,
      domain,
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
      sandbox.runCode("1 + 1"),
      sandbox.runCommand({ command: "ls", workingDirectory: "/workspace" }),
      sandbox.readFile("a.txt"),
      sandbox.setTimeout(60_000),
    ]) {
      const error = await kilnError(call);
      expect([error.status, error.reason]).toEqual([404, "sandbox_gone"]);
    }
  });

  test("connect to an id E2B never had is undefined", async () => {
    const { provider } = setup();
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
    const { provider } = setup({ apiKey: wrong });
    const attempts = [
      provider.create({ sbxId: "sbx_a", template: "static-html", lifetimeMs: 1, metadata: {} }),
      provider.connect("sbx_a", "iabc"),
      provider.destroy("sbx_a", "iabc"),
    ];
    for (const attempt of attempts) {
      const error = await kilnError(attempt);
      expect(error.status).toBe(503);
      expect(error.reason).toBe("e2b_unauthorized");
      expect(error.message).toMatch(/E2B_API_KEY/);
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain(wrong);
    }
  });

  test("other E2B errors are passed on with the key masked", async () => {
    const { fake, provider } = setup();
    fake.failNext(new SandboxError(`400: template not allowed for ${fake.apiKey}`));
    const error = await kilnError(
      provider.create({ sbxId: "sbx_a", template: "static-html", lifetimeMs: 1, metadata: {} }),
    );
    expect(error.status).toBe(502);
    expect(error.message).toBe("E2B: 400: template not allowed for [redacted]");
  });

  test("metadata never carries the key, and a handle does not show it", async () => {
    const { fake, provider } = setup();
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

describe("runCode", () => {
  test("maps output, text and image results, and streams output as it comes", async () => {
    const { fake, sandbox } = await started();
    fake.scriptCode("plot()", {
      stdout: ["loading\n", "done\n"],
      stderr: ["warning: slow\n"],
      results: [{ text: "<Figure size 640x480 with 1 Axes>", png: "iVBORw0KGgo=" }, { text: "42" }],
    });
    const chunks: string[] = [];
    const execution = await sandbox.runCode("plot()", {
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
    const { fake, sandbox } = await started();
    const line = `${"é".repeat(1023)}\n`; // 2047 bytes of UTF-8
    fake.scriptCode("flood()", { stdout: Array(1024).fill(line), stderr: ["tail\n"] });
    let streamed = 0;
    const execution = await sandbox.runCode("flood()", {
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

  test("the last expression's value is a text result", async () => {
    const { sandbox } = await started();
    const execution = await sandbox.runCode('print("hi")\n(2 + 3) * 4');
    expect(execution).toMatchObject({ stdout: "hi\n", cellResults: [{ text: "20" }] });
  });

  test("code past its time limit ends with the wall limit, and the kernel is freed", async () => {
    const { fake, sandbox, state } = await started();
    fake.scriptCode("while True: tick()", { stdout: ["tick\n"], hang: true });
    const execution = await sandbox.runCode("while True: tick()", { timeoutMs: 30 });
    expect(execution.limit).toBe("wall");
    expect(execution.stdout).toBe("tick\n");
    expect(execution.runtimeError?.name).toBe("TimeoutError");
    expect(execution.runtimeError?.value).toContain("kernel was restarted");
    // E2B leaves the loop running; without the restart this would wait behind it.
    expect(state.kernelRestarts).toBe(1);
    const next = await sandbox.runCode("1 + 1", { timeoutMs: 1_000 });
    expect(next.cellResults).toEqual([{ text: "2" }]);
  });

  test("an abort stops waiting, restarts the kernel and keeps the output so far", async () => {
    const { fake, sandbox, state } = await started();
    fake.scriptCode("serve_forever()", { stdout: ["ready\n"], hang: true });
    const controller = new AbortController();
    const execution = await sandbox.runCode("serve_forever()", {
      signal: controller.signal,
      onStdout: () => controller.abort(),
    });
    expect(execution).toMatchObject({
      stdout: "ready\n",
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

describe("runCommand", () => {
  test("a failing command returns its exit code and output rather than throwing", async () => {
    const { fake, sandbox } = await started();
    fake.scriptCommand("npm test", {
      stdout: "1 failing\n",
      stderr: "Error: expected 2\n",
      exitCode: 2,
    });
    expect(await run(sandbox, "npm test")).toEqual({
      stdout: "1 failing\n",
      stderr: "Error: expected 2\n",
      exitCode: 2,
      workingDirectory: "/workspace",
    });
    expect(await run(sandbox, "nosuchtool --version")).toMatchObject({
      exitCode: 127,
      stderr: expect.stringContaining("nosuchtool: command not found"),
    });
  });

  test("streams output while the command runs", async () => {
    const { fake, sandbox } = await started();
    fake.scriptCommand("pip install rich", { stdout: ["Collecting rich\n", "Installed\n"] });
    const chunks: string[] = [];
    await sandbox.runCommand({
      command: "pip install rich",
      workingDirectory: "/workspace",
      onStdout: (chunk) => chunks.push(chunk),
    });
    expect(chunks).toEqual(["Collecting rich\n", "Installed\n"]);
  });

  test("a cd carries over to the next command", async () => {
    const { sandbox } = await started();
    const first = await run(sandbox, "mkdir -p src/app && cd src/app");
    expect(first).toMatchObject({ exitCode: 0, workingDirectory: "/workspace/src/app" });
    const second = await run(sandbox, "touch page.tsx && cd ..", first.workingDirectory);
    expect(second.workingDirectory).toBe("/workspace/src");
    expect(await sandbox.listFiles("/workspace/src/app")).toMatchObject([{ name: "page.tsx" }]);
  });

  test("a cd out of the project, or an exit, keeps the directory", async () => {
    const { sandbox } = await started();
    await run(sandbox, "mkdir src");
    expect((await run(sandbox, "cd /tmp", "/workspace/src")).workingDirectory).toBe(
      "/workspace/src",
    );
    const exited = await run(sandbox, "cd .. && exit 4", "/workspace/src");
    expect(exited).toMatchObject({ exitCode: 4, workingDirectory: "/workspace/src" });
  });

  test("a directory that no longer exists is reported", async () => {
    const { sandbox } = await started();
    const outcome = await run(sandbox, "ls", "/workspace/gone");
    expect(outcome.exitCode).toBe(97);
    expect(outcome.stderr).toContain("cd: /workspace/gone: no such directory");
  });

  test("a working directory outside the workspace is a 400", async () => {
    const { sandbox } = await started();
    expect((await kilnError(run(sandbox, "ls", "/etc"))).status).toBe(400);
  });

  test("a command past its time limit is ended with the wall limit", async () => {
    const { sandbox } = await started();
    const outcome = await sandbox.runCommand({
      command: "echo started && sleep 10",
      workingDirectory: "/workspace",
      timeoutMs: 30,
    });
    expect(outcome).toEqual({
      stdout: "started\n",
      stderr: "",
      exitCode: 137,
      workingDirectory: "/workspace",
      limit: "wall",
    });
  });
});

describe("stopping commands", () => {
  test("output past 1 MiB ends the command with the output limit", async () => {
    const { fake, sandbox, state } = await started();
    fake.scriptCommand("yes", {
      stdout: ["y\n".repeat(300_000), "y\n".repeat(300_000)],
      hang: true,
    });
    let streamed = 0;
    const outcome = await sandbox.runCommand({
      command: "yes",
      workingDirectory: "/workspace",
      onStdout: (chunk) => (streamed += chunk.length),
    });
    expect(outcome).toMatchObject({ exitCode: 137, limit: "output" });
    expect(outcome.stdout.length).toBe(1024 * 1024);
    expect(streamed).toBe(1024 * 1024);
    expect(state.processes.size).toBe(0);
  });

  test("an abort kills the command", async () => {
    const { fake, sandbox, state } = await started();
    fake.scriptCommand("npm run watch", { stdout: "watching\n", hang: true });
    const controller = new AbortController();
    const outcome = await sandbox.runCommand({
      command: "npm run watch",
      workingDirectory: "/workspace",
      signal: controller.signal,
      onStdout: () => controller.abort(),
    });
    expect(outcome).toEqual({
      stdout: "watching\n",
      stderr: "",
      exitCode: 137,
      workingDirectory: "/workspace",
    });
    expect(state.processes.size).toBe(0);
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
    expect(state.files.get("/home/user/src/app.py")).toBe("print('hi')\n");
    expect(await sandbox.readFile("/workspace/src/app.py")).toBe("print('hi')\n");
    expect(await sandbox.listFiles("/workspace")).toEqual([
      { name: "README.md", path: "/workspace/README.md", type: "file", size: 5 },
      { name: "src", path: "/workspace/src", type: "directory", size: 4096 },
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

describe("servers and previews", () => {
  test("the preview URL is E2B's host for the port", async () => {
    const { sandbox } = await started("static-html");
    expect(sandbox.previewUrl(8000)).toBe(`https://8000-${sandbox.externalId}.${domain}`);
  });

  test("startServer runs the command in the background and waits for the port", async () => {
    const { fake, sandbox, state } = await started("static-html");
    const command = "python3 -m http.server 8000 --bind 0.0.0.0";
    fake.scriptCommand(command, {
      stdout: "Serving HTTP on 0.0.0.0 port 8000\n",
      listen: 8000,
      listenDelayMs: 20,
      hang: true,
    });
    const output: string[] = [];
    await sandbox.startServer({ command, port: 8000, onOutput: (chunk) => output.push(chunk) });
    expect(output).toEqual(["Serving HTTP on 0.0.0.0 port 8000\n"]);
    expect((await fake.fetch(sandbox.previewUrl(8000))).status).toBe(200);
    expect(state.commands).toEqual([
      { cmd: command, cwd: "/home/user", envs: { PORT: "8000" }, isBackground: true, timeoutMs: 0 },
    ]);
  });

  test("starting again replaces the server Kiln started, so the new code runs", async () => {
    const { fake, sandbox, state } = await started("node-server");
    fake.scriptCommand("node index.js", { stdout: "v1\n", listen: 3000, hang: true });
    await sandbox.startServer({ command: "node index.js", port: 3000 });
    fake.scriptCommand("node index.js", { stdout: "v2\n", listen: 3000, hang: true });
    const output: string[] = [];
    await sandbox.startServer({
      command: "node index.js",
      port: 3000,
      onOutput: (chunk) => output.push(chunk),
    });
    expect(output).toEqual(["v2\n"]);
    expect(state.commands.filter((c) => c.cmd === "node index.js")).toHaveLength(2);
    expect(state.processes.size).toBe(1);
  });

  test("a template whose own server already answers starts nothing", async () => {
    const { sandbox, state } = await started("nextjs-developer");
    await sandbox.startServer({ command: "npx next dev --port 3000", port: 3000 });
    expect(state.commands).toEqual([]);
  });

  test("a server that exits before answering is an error with its exit code", async () => {
    const { fake, sandbox } = await started("node-server");
    fake.scriptCommand("node index.js", { stderr: "SyntaxError: Unexpected token\n", exitCode: 1 });
    const error = await kilnError(sandbox.startServer({ command: "node index.js", port: 3000 }));
    expect([error.status, error.reason]).toEqual([400, "app_exited"]);
    expect(error.message).toContain("exit code 1");
    expect(error.details).toEqual({ output: "SyntaxError: Unexpected token\n" });
  });

  test("a server that never answers times out", async () => {
    const { fake, provider } = setup({ serverReadyTimeoutMs: 30 });
    const sandbox = await provider.create({
      sbxId: "sbx_a",
      template: "node-server",
      lifetimeMs: 60_000,
      metadata: {},
    });
    fake.scriptCommand("node index.js", { hang: true });
    const error = await kilnError(sandbox.startServer({ command: "node index.js", port: 3000 }));
    expect([error.status, error.reason]).toEqual([502, "app_not_listening"]);
  });
});
