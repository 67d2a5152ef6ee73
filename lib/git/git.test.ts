import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import {
  addWorktree,
  branchHead,
  commitAll,
  createBareRepository,
  GitError,
  git,
  mergeBranch,
  readFileAt,
  removeWorktree,
} from "./git";

const scratch = () => mkdtempSync(path.join(tmpdir(), "kiln-git-"));

describe("createBareRepository", () => {
  test("a bare repository whose main holds the files, which the real git can clone", async () => {
    const repo = path.join(scratch(), "repos", "proj_a.git");
    const { commit } = await createBareRepository(
      repo,
      { "README.md": "# A\n", ".gitignore": "node_modules/\n" },
      "Start project A",
    );
    expect(await branchHead(repo, "main")).toBe(commit);
    expect(await readFileAt(repo, "main", "README.md")).toBe("# A\n");
    expect((await git(["rev-parse", "--is-bare-repository"], { gitDir: repo })).trim()).toBe(
      "true",
    );
    const clone = path.join(scratch(), "clone");
    execFileSync("git", ["clone", "--quiet", repo, clone]);
    expect(execFileSync("git", ["-C", clone, "log", "--format=%an <%ae>|%s"]).toString()).toBe(
      "Kiln <kiln@localhost>|Start project A\n",
    );
  });

  test("refuses a path that exists, and names that are not top-level files", async () => {
    const repo = path.join(scratch(), "taken.git");
    await createBareRepository(repo, { "README.md": "x" }, "first");
    await expect(createBareRepository(repo, { "README.md": "y" }, "second")).rejects.toThrow(
      /EEXIST/,
    );
    await expect(
      createBareRepository(path.join(scratch(), "b.git"), { "../x": "y" }, "m"),
    ).rejects.toThrow(/not a top-level file name/);
  });

  test("the host user's git configuration does not apply", async () => {
    const home = scratch();
    writeFileSync(path.join(home, ".gitconfig"), "[user]\n  name = Someone Else\n");
    const previous = process.env.HOME;
    process.env.HOME = home;
    try {
      const repo = path.join(scratch(), "c.git");
      await createBareRepository(repo, { "README.md": "c" }, "m");
      expect((await git(["log", "--format=%an", "main"], { gitDir: repo })).trim()).toBe("Kiln");
    } finally {
      process.env.HOME = previous;
    }
  });

  test("a failing command is a GitError with git's own last line", async () => {
    const error = await git(["rev-parse", "no-such-ref"], { gitDir: scratch() }).catch((e) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toMatch(/^git rev-parse failed: /);
  });
});

describe("worktrees, commits and merges", () => {
  test("two branches from one base merge in order; a conflicting one is named and undone", async () => {
    const repo = path.join(scratch(), "p.git");
    const { commit: base } = await createBareRepository(repo, { "README.md": "# P\n" }, "start");
    const work = scratch();
    const tree = (name: string) => path.join(work, name);
    await addWorktree(repo, tree("a"), "feat/task-001-a", base);
    await addWorktree(repo, tree("b"), "feat/task-002-b", base);
    await addWorktree(repo, tree("c"), "feat/task-003-c", base);
    writeFileSync(path.join(tree("a"), "a.txt"), "a\n");
    writeFileSync(path.join(tree("a"), "README.md"), "# P by a\n");
    writeFileSync(path.join(tree("b"), "b.txt"), "b\n");
    writeFileSync(path.join(tree("c"), "README.md"), "# P by c\n");
    expect(await commitAll(tree("a"), "task 001")).toMatchObject({
      added: ["a.txt"],
      modified: ["README.md"],
    });
    await commitAll(tree("b"), "task 002");
    await commitAll(tree("c"), "task 003");
    expect(await commitAll(tree("b"), "nothing")).toBeUndefined();

    await addWorktree(repo, tree("run"), "run/1", base);
    expect((await mergeBranch(tree("run"), "feat/task-001-a", "merge a")).ok).toBe(true);
    expect((await mergeBranch(tree("run"), "feat/task-002-b", "merge b")).ok).toBe(true);
    expect(await mergeBranch(tree("run"), "feat/task-003-c", "merge c")).toEqual({
      ok: false,
      conflicts: ["README.md"],
    });
    // The conflicting merge left nothing behind: the run branch is as after b.
    expect(await readFileAt(repo, "run/1", "README.md")).toBe("# P by a\n");
    expect(await readFileAt(repo, "run/1", "b.txt")).toBe("b\n");
    expect((await git(["status", "--porcelain"], { cwd: tree("run") })).trim()).toBe("");
    await removeWorktree(repo, tree("a"));
    expect(await branchHead(repo, "feat/task-001-a")).toBeDefined();
  });
});
