import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { describePath, resolveCommit } from "./git-objects";

// git is asked a few hundred times at once, as a busy files API would. A git that exits before
// reading its (empty) input must not leave a broken pipe behind: an unhandled EPIPE on the
// child's stdin is an uncaught exception that takes the whole server down.

describe("git objects under load", () => {
  let dir: string;
  let gitDir: string;
  let commit: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "kiln-git-objects-"));
    const work = path.join(dir, "work");
    gitDir = path.join(dir, "repo.git");
    execFileSync("git", ["init", "-q", "-b", "main", work]);
    writeFileSync(path.join(work, "README.md"), "# hello\n");
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", work, "-c", "user.name=t", "-c", "user.email=t@t", ...args], {
        encoding: "utf8",
      }).trim();
    git("add", ".");
    git("commit", "-qm", "first");
    commit = git("rev-parse", "HEAD");
    execFileSync("git", ["clone", "-q", "--bare", work, gitDir]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("hundreds of concurrent lookups answer, with no broken pipe escaping", {
    timeout: 60_000,
  }, async () => {
    const escaped: unknown[] = [];
    const onError = (error: unknown) => escaped.push(error);
    process.on("uncaughtException", onError);
    try {
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          i % 2 ? resolveCommit(gitDir, "main") : describePath(gitDir, commit, "README.md"),
        ),
      );
      expect(answers.filter((a) => a === commit)).toHaveLength(150);
      expect(answers.filter((a) => typeof a === "object" && a?.kind === "blob")).toHaveLength(150);
      // A broken pipe surfaces a tick after its process ends.
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off("uncaughtException", onError);
    }
    expect(escaped).toEqual([]);
  });
});
