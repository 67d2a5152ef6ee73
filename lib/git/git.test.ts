import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { branchHead, createBareRepository, GitError, git, readFileAt } from "./git";

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
