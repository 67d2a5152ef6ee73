import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { listWorkspace, readWorkspaceFile, sandboxPath, writeWorkspaceFile } from "./workspace";

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
});
