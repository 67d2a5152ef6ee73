import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  AuthenticationError,
  CommandExitError,
  SandboxNotFoundError,
  TimeoutError,
} from "@e2b/code-interpreter";
import { describe, expect, test } from "vitest";
import { FakeE2b } from "./fake-e2b";

// The fake stands in for E2B in the provider's tests; these check it fails with the SDK's own
// error classes, and that its little shell agrees with bash on what the tests rely on.

async function sandbox(template = "code-interpreter-v1") {
  const fake = new FakeE2b();
  const opts = { apiKey: fake.apiKey, domain: "e2b.test" };
  const created = await fake.Sandbox.create(template, { ...opts, metadata: {}, timeoutMs: 60_000 });
  return { fake, opts, sandbox: created };
}

async function fakeRun(script: string) {
  const { sandbox: created } = await sandbox();
  return created.commands.run(script, {}).then(
    (result) => ({ stdout: result.stdout, exitCode: result.exitCode }),
    (error: CommandExitError) => ({ stdout: error.stdout, exitCode: error.exitCode }),
  );
}

function bashRun(script: string) {
  const dir = mkdtempSync(path.join(tmpdir(), "fake-e2b-"));
  try {
    const result = spawnSync("bash", ["-c", script], { cwd: dir, encoding: "utf8" });
    return { stdout: result.stdout, exitCode: result.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the shell", () => {
  const scripts = [
    `echo 'it'\\''s' "a  b" c\\ d`,
    "false || echo recovered; true && echo chained; false && echo skipped",
    "false; echo $?",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script, not a template
    'x=5; echo "x is $x" ${x}',
    "eval 'echo inner; exit 3'; echo unreachable",
    "echo out; echo err >&2",
    "mkdir -p a/b && cd a && cd b && ls ..",
    "echo hi > f.txt; echo more >> f.txt; cat f.txt",
    "cd nowhere 2>/dev/null || echo none",
    "ls missing 2>&1",
    "touch x && rm x && cat x 2>/dev/null; echo $?",
    "mkdir d; mkdir d 2>/dev/null || echo exists",
    "nosuchcommand 2>/dev/null",
  ];
  test.each(scripts)("agrees with bash: %s", async (script) => {
    expect(await fakeRun(script)).toEqual(bashRun(script));
  });
});

describe("SDK behaviour", () => {
  test("a wrong key is AuthenticationError; an unknown sandbox SandboxNotFoundError", async () => {
    const { fake, opts } = await sandbox();
    await expect(fake.Sandbox.connect("inothere", opts)).rejects.toThrow(SandboxNotFoundError);
    await expect(
      fake.Sandbox.create("base", { ...opts, apiKey: "e2b_wrong", metadata: {}, timeoutMs: 1 }),
    ).rejects.toThrow(AuthenticationError);
    expect(await fake.Sandbox.kill("inothere", opts)).toBe(false);
  });

  test("a non-zero exit is CommandExitError carrying the output", async () => {
    const { sandbox: created } = await sandbox();
    const error = await created.commands.run("echo partial; exit 3", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandExitError);
    expect(error).toMatchObject({ exitCode: 3, stdout: "partial\n", stderr: "" });
  });

  test("commands and code past their timeoutMs are TimeoutError", async () => {
    const { fake, sandbox: created } = await sandbox();
    await expect(created.commands.run("sleep 5", { timeoutMs: 20 })).rejects.toThrow(TimeoutError);
    fake.scriptCode("spin()", { hang: true });
    await expect(created.runCode("spin()", { timeoutMs: 20 })).rejects.toThrow(TimeoutError);
  });

  test("a killed sandbox fails each kind of call as E2B does", async () => {
    const { fake, opts, sandbox: created } = await sandbox();
    fake.scriptCode("spin()", { hang: true });
    const pending = created.runCode("spin()", { timeoutMs: 60_000 });
    expect(await created.kill()).toBe(true);
    await expect(pending).rejects.toThrow(TimeoutError);
    await expect(created.runCode("1", {})).rejects.toThrow(TimeoutError);
    await expect(created.files.read("a")).rejects.toThrow(TimeoutError);
    await expect(created.commands.run("ls", {})).rejects.toThrow(SandboxNotFoundError);
    await expect(created.setTimeout(1_000)).rejects.toThrow(SandboxNotFoundError);
    expect(await created.isRunning()).toBe(false);
    expect(await created.kill()).toBe(false);
    await expect(fake.Sandbox.connect(created.sandboxId, opts)).rejects.toThrow(
      SandboxNotFoundError,
    );
  });

  test("a background server answers on its port until it is killed", async () => {
    const { fake, sandbox: created } = await sandbox("base");
    fake.scriptCommand("serve", { listen: 8080, hang: true });
    const url = `https://${created.getHost(8080)}/`;
    expect((await fake.fetch(url)).status).toBe(502);
    const server = await created.commands.run("serve", { background: true, timeoutMs: 0 });
    expect((await fake.fetch(url)).status).toBe(200);
    await server.kill();
    await expect(server.wait()).rejects.toMatchObject({ exitCode: -1 });
    expect((await fake.fetch(url)).status).toBe(502);
  });

  test("commands.kill ends a command by pid, once", async () => {
    const { sandbox: created } = await sandbox();
    const pending = await created.commands.run("sleep 60", { background: true });
    expect(await created.commands.kill(pending.pid)).toBe(true);
    await expect(pending.wait()).rejects.toMatchObject({ exitCode: -1 });
    expect(await created.commands.kill(pending.pid)).toBe(false);
  });

  test("envs are the command's variables", async () => {
    const { sandbox: created } = await sandbox();
    const result = await created.commands.run('echo "port $PORT"', { envs: { PORT: "3000" } });
    expect(result.stdout).toBe("port 3000\n");
  });
});
