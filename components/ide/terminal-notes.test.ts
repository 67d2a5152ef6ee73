import { describe, expect, test } from "vitest";
import { cdOutsideWorkspace } from "./terminal-notes";

describe("cdOutsideWorkspace", () => {
  test("names the directory a cd would leave the workspace for", () => {
    expect(cdOutsideWorkspace("cd /tmp", "/workspace")).toBe("/tmp");
    expect(cdOutsideWorkspace("cd ..", "/workspace")).toBe("/");
    expect(cdOutsideWorkspace("  cd ../../etc ", "/workspace/src")).toBe("/etc");
  });

  test("says nothing of a cd that stays inside, or of other commands", () => {
    expect(cdOutsideWorkspace("cd src", "/workspace")).toBeUndefined();
    expect(cdOutsideWorkspace("cd ..", "/workspace/src")).toBeUndefined();
    expect(cdOutsideWorkspace("cd", "/workspace/src")).toBeUndefined();
    expect(cdOutsideWorkspace("cd ~/app", "/workspace")).toBeUndefined();
    expect(cdOutsideWorkspace("cd /tmp && ls", "/workspace")).toBeUndefined();
    expect(cdOutsideWorkspace("ls /", "/workspace")).toBeUndefined();
  });
});
