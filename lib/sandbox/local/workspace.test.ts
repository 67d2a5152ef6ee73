import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { KilnError } from "@/lib/errors";
import { sandboxPath } from "@/lib/sandbox/sandbox-paths";
import { listWorkspace, readWorkspaceFile, writeWorkspaceFile } from "./workspace";

describe("sandboxPath", () => {
  test.each([
    ["app.py", "/workspace/app.py"],
    ["src/../app.py", "/workspace/app.py"],
    ["/workspace/a/b.txt", "/workspace/a/b.txt"],
    [".", "/workspace"],
  ])("%s is %s", (requested, expected) => {
    expect(sandboxPath(requested)).toBe(expected);
  });

  test.each(["../etc/passwd", "/etc/passwd", "/workspace/../root", "a\0b", "/workspacex/y"])(
    "%j is refused",
    (requested) => {
      expect(() => sandboxPath(requested)).toThrow(/^path: /);
    },
  );

  test("relative paths resolve against the working directory", () => {
    expect(sandboxPath("x.txt", "/workspace/src")).toBe("/workspace/src/x.txt");
    expect(() => sandboxPath("../../x", "/workspace/src")).toThrow();
  });
});

describe("workspace files", () => {
  const workspace = mkdtempSync(path.join(tmpdir(), "kiln-ws-"));
  const outside = mkdtempSync(path.join(tmpdir(), "kiln-outside-"));
  afterAll(() => {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  test("write, read and list stay inside the workspace", async () => {
    expect(await writeWorkspaceFile(workspace, "src/app.py", "print(1)\n")).toBe(
      "/workspace/src/app.py",
    );
    expect(await readWorkspaceFile(workspace, "/workspace/src/app.py")).toBe("print(1)\n");
    expect(await listWorkspace(workspace, "src")).toEqual([
      { name: "app.py", path: "/workspace/src/app.py", type: "file", size: 9 },
    ]);
    await expect(readWorkspaceFile(workspace, "missing.txt")).rejects.toThrow(/No file at/);
  });

  test("a link made inside the sandbox cannot lead out", async () => {
    symlinkSync(outside, path.join(workspace, "escape"));
    await expect(writeWorkspaceFile(workspace, "escape/owned.txt", "x")).rejects.toThrow(
      /through a link/,
    );
    await expect(readWorkspaceFile(workspace, "escape/anything")).rejects.toThrow(/through a link/);
    symlinkSync("/etc/hostname", path.join(workspace, "host-file"));
    await expect(readWorkspaceFile(workspace, "host-file")).rejects.toThrow(/through a link/);
    // Writing over a link replaces the link, never its target.
    expect(() => readFileSync(path.join(outside, "owned.txt"))).toThrow();
  });

  // What the filesystem refuses about a client's path is the client's to fix: a 4xx saying
  // what, whichever call met it (these paths pass no schema first here).
  test.each([
    ["a name over 255 bytes", 400, () => writeWorkspaceFile(workspace, "a".repeat(300), "x")],
    [
      "a directory of that name",
      400,
      () => writeWorkspaceFile(workspace, `${"é".repeat(130)}/x`, ""),
    ],
    ["reading it", 400, () => readWorkspaceFile(workspace, "b".repeat(256))],
    ["listing it", 400, () => listWorkspace(workspace, `src/${"c".repeat(300)}`)],
    ["a file below a file", 404, () => writeWorkspaceFile(workspace, "src/app.py/x", "")],
    ["writing over a directory", 400, () => writeWorkspaceFile(workspace, "src", "")],
  ] as const)("%s is a %i, not a fault", async (_, status, call) => {
    await writeWorkspaceFile(workspace, "src/app.py", "print(1)\n");
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KilnError);
    expect((error as KilnError).status).toBe(status);
  });
});

describe("workspace files while the sandbox changes them", () => {
  const workspace = mkdtempSync(path.join(tmpdir(), "kiln-ws-race-"));
  const outside = mkdtempSync(path.join(tmpdir(), "kiln-outside-race-"));
  let swapper: ChildProcess | undefined;
  afterAll(() => {
    // A test that ran out of time never reached its own finally.
    swapper?.kill("SIGKILL");
    rmSync(workspace, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  test("swapping a directory for a link during reads and writes never reaches outside", async () => {
    writeFileSync(path.join(outside, "secret"), "host secret");
    mkdirSync(path.join(workspace, "real"));
    writeFileSync(path.join(workspace, "real", "secret"), "inside");
    symlinkSync(outside, path.join(workspace, "link"));
    // As a process in the sandbox could: `d` is a directory one moment and a link out the next.
    // (A `d` that Kiln's write made while none was there is cleared away.)
    const swap = [
      "import os, shutil",
      "while True:",
      "    try:",
      "        os.rename('real', 'd'); os.rename('d', 'real')",
      "        os.rename('link', 'd'); os.rename('d', 'link')",
      "    except OSError:",
      "        if os.path.isdir('d') and not os.path.islink('d') and os.path.exists('real'):",
      "            shutil.rmtree('d', ignore_errors=True)",
    ].join("\n");
    swapper = spawn("/usr/bin/python3", ["-c", swap], { cwd: workspace, stdio: "ignore" });
    const seen = new Set<string>();
    try {
      for (let i = 0; i < 2000; i++) {
        await writeWorkspaceFile(workspace, "d/written.txt", "x").catch(() => {});
        seen.add(await readWorkspaceFile(workspace, "d/secret").catch(() => "refused"));
      }
    } finally {
      swapper.kill("SIGKILL");
    }
    expect(seen.has("host secret")).toBe(false);
    expect(existsSync(path.join(outside, "written.txt"))).toBe(false);
    // The race was run: reads found the real directory at times, and were refused at others.
    expect(seen).toContain("inside");
    expect(seen).toContain("refused");
  }, 60_000);

  test("a FIFO is refused at once, not waited on", async () => {
    execFileSync("mkfifo", [path.join(workspace, "pipe")]);
    await expect(readWorkspaceFile(workspace, "pipe")).rejects.toThrow(/No file at/);
    // Writing over it replaces it with a plain file.
    await writeWorkspaceFile(workspace, "pipe", "now a file");
    expect(await readWorkspaceFile(workspace, "pipe")).toBe("now a file");
  });
});
