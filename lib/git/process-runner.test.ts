import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { processRunnerPid, runFile } from "./process-runner";

// Commands run from the helper process, not from this one, with exactly the cwd, environment
// and input they are given; failures come back as execFile words them; a helper that dies
// fails what it was running and is replaced on the next call.

const options = (extra: Partial<Parameters<typeof runFile>[2]> = {}) => ({
  env: { PATH: "/usr/bin:/bin" },
  maxBuffer: 1024 * 1024,
  ...extra,
});

describe("runFile", () => {
  test("runs the command as a child of the helper, not of the caller", async () => {
    const { error, stdout } = await runFile("sh", ["-c", "echo $PPID"], options());
    expect(error).toBeNull();
    const parent = Number(stdout.trim());
    expect(parent).toBe(processRunnerPid());
    expect(parent).not.toBe(process.pid);
  });

  test("gives the command its cwd, its environment only, and its input", async () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "kiln-runner-")));
    const result = await runFile(
      "sh",
      ["-c", 'cat; pwd; echo "$GREETING"; echo "home=$HOME"'],
      options({ cwd: dir, env: { PATH: "/usr/bin:/bin", GREETING: "hello" }, input: "typed\n" }),
    );
    expect(result).toEqual({
      error: null,
      stdout: `typed\n${dir}\nhello\nhome=\n`,
      stderr: "",
    });
  });

  test("a failing command: execFile's message, its stderr and what it printed", async () => {
    const result = await runFile("sh", ["-c", "echo partial; echo broken >&2; exit 3"], options());
    expect(result.error).toMatch(/^Command failed: sh -c/);
    expect(result.stdout).toBe("partial\n");
    expect(result.stderr).toBe("broken\n");
    const missing = await runFile("no-such-command-here", [], options());
    expect(missing.error).toContain("ENOENT");
  });

  test("output beyond maxBuffer is a failure", async () => {
    const result = await runFile("head", ["-c", "4096", "/dev/zero"], options({ maxBuffer: 1000 }));
    expect(result.error).toContain("maxBuffer");
  });

  test("calls at once each get their own answer", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => runFile("sh", ["-c", `echo ${i}`], options())),
    );
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 8 }, (_, i) => `${i}\n`));
  });

  test("a helper that dies fails its running commands; the next call starts another", async () => {
    await runFile("true", [], options());
    const first = processRunnerPid();
    expect(first).toBeDefined();
    // cat waits on an input that only ends when the helper goes.
    const waiting = runFile("cat", [], options());
    process.kill(first!, "SIGKILL");
    await expect(waiting).rejects.toThrow(/the process runner exited \(SIGKILL\)/);
    const { stdout } = await runFile("sh", ["-c", "echo $PPID"], options());
    expect(Number(stdout.trim())).toBe(processRunnerPid());
    expect(processRunnerPid()).not.toBe(first);
  });
});
