import { writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { kilnError, run, started } from "@/tests/support/fake-e2b/provider";

// Terminal commands on E2B, through the real SDK and a local E2B (tests/support/fake-e2b.ts)
// that runs them for real.

describe("runCommand", () => {
  test("a failing command returns its exit code and output rather than throwing", async () => {
    const { sandbox } = await started();
    expect(await run(sandbox, 'echo "1 failing"; echo "Error: expected 2" >&2; exit 2')).toEqual({
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
    const { sandbox, state } = await started();
    // The second line waits for a file written when the first arrives.
    const go = state.machine.hostPath("/home/user/go") as string;
    const chunks: string[] = [];
    await sandbox.runCommand({
      command: 'echo "Collecting rich"; until [ -e go ]; do sleep 0.01; done; echo Installed',
      workingDirectory: "/workspace",
      onStdout: (chunk) => {
        chunks.push(chunk);
        writeFileSync(go, "");
      },
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
    const { sandbox, state } = await started();
    const outcome = await sandbox.runCommand({
      command: "echo started && sleep 60",
      workingDirectory: "/workspace",
      timeoutMs: 2_000, // room for the shell to start on a loaded machine
    });
    expect(outcome).toEqual({
      stdout: "started\n",
      stderr: "",
      exitCode: 137,
      workingDirectory: "/workspace",
      limit: "wall",
    });
    await expect.poll(() => state.processes.commands.size).toBe(0);
  });
});

describe("stopping commands", () => {
  test("output past 1 MiB ends the command with the output limit", async () => {
    const { sandbox, state } = await started();
    let streamed = 0;
    const outcome = await sandbox.runCommand({
      command: "yes",
      workingDirectory: "/workspace",
      onStdout: (chunk) => (streamed += chunk.length),
    });
    expect(outcome).toMatchObject({ exitCode: 137, limit: "output" });
    expect(outcome.stdout.length).toBe(1024 * 1024);
    expect(outcome.stdout).toMatch(/^(y\n)+$/);
    expect(streamed).toBe(1024 * 1024);
    await expect.poll(() => state.processes.commands.size).toBe(0);
  });

  test("an abort kills the command", async () => {
    const { sandbox, state } = await started();
    const controller = new AbortController();
    const outcome = await sandbox.runCommand({
      command: "echo watching; sleep 60",
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
    await expect.poll(() => state.processes.commands.size).toBe(0);
  });
});
