import {
  AuthenticationError,
  CommandExitError,
  Sandbox,
  SandboxNotFoundError,
  TimeoutError,
} from "@e2b/code-interpreter";
import { afterEach, describe, expect, test } from "vitest";
import { FakeE2b } from "./fake-e2b";
import { freePort } from "./kiln-server";
import { processesWith } from "./processes";

// The fake stands in for E2B in the provider's tests, reached through the real SDK; these check
// that the SDK sees from it what it sees from E2B (its own error classes, for each kind of call)
// and the behaviour Kiln relies on.

const fakes: FakeE2b[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function sandbox(template = "code-interpreter-v1", timeoutMs = 60_000) {
  const fake = await FakeE2b.start();
  fakes.push(fake);
  const created = await Sandbox.create(template, { ...fake.connection, timeoutMs });
  return { fake, opts: fake.connection, sandbox: created };
}

describe("SDK behaviour", () => {
  test("a wrong key is AuthenticationError; an unknown sandbox SandboxNotFoundError", async () => {
    const { opts } = await sandbox();
    await expect(Sandbox.connect("inothere", opts)).rejects.toThrow(SandboxNotFoundError);
    await expect(Sandbox.create("base", { ...opts, apiKey: "e2b_wrong" })).rejects.toThrow(
      AuthenticationError,
    );
    expect(await Sandbox.kill("inothere", opts)).toBe(false);
  });

  test("a non-zero exit is CommandExitError carrying the output", async () => {
    const { sandbox: created } = await sandbox();
    const error = await created.commands.run("echo partial; exit 3").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandExitError);
    expect(error).toMatchObject({ exitCode: 3, stdout: "partial\n", stderr: "" });
  });

  test("commands and code past their timeoutMs are TimeoutError", async () => {
    const { sandbox: created } = await sandbox();
    await expect(created.commands.run("sleep 60", { timeoutMs: 500 })).rejects.toThrow(
      TimeoutError,
    );
    await expect(
      created.runCode("import time\nwhile True: time.sleep(0.01)", { timeoutMs: 500 }),
    ).rejects.toThrow(TimeoutError);
  });

  test("a cell left running holds the kernel until its context restarts", async () => {
    const { sandbox: created } = await sandbox();
    await created.runCode("import time", { timeoutMs: 10_000 });
    await expect(
      created.runCode("while True: time.sleep(0.01)", { timeoutMs: 300 }),
    ).rejects.toThrow(TimeoutError);
    await expect(created.runCode("1", { timeoutMs: 300 })).rejects.toThrow(TimeoutError);
    const [python] = await created.listCodeContexts();
    await created.restartCodeContext(python?.id ?? "");
    expect((await created.runCode("1 + 1")).text).toBe("2");
  });

  test("a killed sandbox fails each kind of call as E2B does, and its processes end", async () => {
    const { fake, opts, sandbox: created } = await sandbox();
    const pending = created.runCode("import time\nwhile True: time.sleep(0.01)", {
      timeoutMs: 60_000,
    });
    await created.commands.run("sleep 60", { background: true });
    expect(processesWith(fake.sandbox(created.sandboxId).machine.root)).not.toEqual([]);
    expect(await created.kill()).toBe(true);
    await expect(pending).rejects.toThrow(TimeoutError);
    await expect(created.runCode("1")).rejects.toThrow(TimeoutError);
    await expect(created.files.read("a")).rejects.toThrow(TimeoutError);
    await expect(created.commands.run("ls")).rejects.toThrow(SandboxNotFoundError);
    await expect(created.setTimeout(1_000)).rejects.toThrow(SandboxNotFoundError);
    expect(await created.isRunning()).toBe(false);
    expect(await created.kill()).toBe(false);
    await expect(Sandbox.connect(created.sandboxId, opts)).rejects.toThrow(SandboxNotFoundError);
    await expect
      .poll(() => processesWith(fake.sandbox(created.sandboxId).machine.root))
      .toEqual([]);
  });

  test("a sandbox ends when its lifetime passes", async () => {
    const { sandbox: created } = await sandbox("base", 2_000);
    expect(await created.isRunning()).toBe(true);
    await expect.poll(() => created.isRunning(), { timeout: 10_000 }).toBe(false);
  });

  test("a background server answers on its port until it is killed", async () => {
    const { fake, sandbox: created } = await sandbox("base");
    const port = await freePort();
    const url = `https://${created.getHost(port)}/`;
    expect((await fake.fetch(url)).status).toBe(502);
    const server = await created.commands.run(`python3 -m http.server ${port} --bind 127.0.0.1`, {
      background: true,
      timeoutMs: 0,
    });
    await expect.poll(async () => (await fake.fetch(url)).status).toBe(200);
    await server.kill();
    await expect(server.wait()).rejects.toMatchObject({ exitCode: -1 });
    expect((await fake.fetch(url)).status).toBe(502);
  });

  test("a disconnected command runs on, and can be found again by pid", async () => {
    const { sandbox: created } = await sandbox();
    const command = await created.commands.run("sleep 60", { background: true });
    await command.disconnect();
    expect((await created.commands.list()).map((p) => p.pid)).toContain(command.pid);
    const again = await created.commands.connect(command.pid);
    expect(await created.commands.kill(command.pid)).toBe(true);
    await expect(again.wait()).rejects.toMatchObject({ exitCode: -1 });
  });

  test("commands.kill ends a command by pid, once", async () => {
    const { sandbox: created } = await sandbox();
    const pending = await created.commands.run("sleep 60", { background: true });
    expect(await created.commands.kill(pending.pid)).toBe(true);
    await expect(pending.wait()).rejects.toMatchObject({ exitCode: -1 });
    expect(await created.commands.kill(pending.pid)).toBe(false);
  });

  test("envs and cwd are the command's", async () => {
    const { sandbox: created } = await sandbox();
    await created.files.makeDir("/home/user/app");
    const result = await created.commands.run('echo "port $PORT in $(pwd)"', {
      envs: { PORT: "3000" },
      cwd: "/home/user/app",
    });
    expect(result.stdout).toBe("port 3000 in /home/user/app\n");
  });

  test("files written are the files commands see", async () => {
    const { sandbox: created } = await sandbox();
    await created.files.write([{ path: "/home/user/a/b.txt", data: "from the SDK" }]);
    expect((await created.commands.run("cat a/b.txt")).stdout).toBe("from the SDK");
    await created.commands.run("echo from bash > c.txt");
    expect(await created.files.read("/home/user/c.txt")).toBe("from bash\n");
    await created.files.remove("/home/user/c.txt");
    expect(await created.files.exists("/home/user/c.txt")).toBe(false);
  });
});
