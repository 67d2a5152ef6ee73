import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { addWorktree, commitAll, createBareRepository, readFileAt } from "@/lib/git/git";
import { type MergeEvent, mergeTasks } from "./merge";

async function repoWithTasks(files: Record<string, Record<string, string>>) {
  const root = mkdtempSync(path.join(tmpdir(), "kiln-merge-"));
  const gitDir = path.join(root, "repo.git");
  const { commit: base } = await createBareRepository(gitDir, { "README.md": "# R\n" }, "start");
  const tasks = [];
  for (const [slug, written] of Object.entries(files)) {
    const branchName = `feat/task-${slug}`;
    const dir = path.join(root, slug);
    await addWorktree(gitDir, dir, branchName, base);
    for (const [file, content] of Object.entries(written))
      writeFileSync(path.join(dir, file), content);
    await commitAll(dir, slug);
    tasks.push({ slug, branchName });
  }
  return { gitDir, base, tasks, workRoot: path.join(root, "work") };
}

test("task branches merge in order into the run's branch, each reported", async () => {
  const repo = await repoWithTasks({ "001-a": { "a.txt": "a" }, "002-b": { "b.txt": "b" } });
  const events: MergeEvent[] = [];
  const merged = await mergeTasks({
    ...repo,
    runBranch: "run/1",
    emit: async (e) => void events.push(e),
  });
  expect(merged.ok).toBe(true);
  expect(events.map((e) => [e.type, e.taskSlug])).toEqual([
    ["TASK_MERGED", "001-a"],
    ["TASK_MERGED", "002-b"],
  ]);
  expect(await readFileAt(repo.gitDir, "run/1", "a.txt")).toBe("a");
  expect(await readFileAt(repo.gitDir, "run/1", "b.txt")).toBe("b");
});

test("a conflict stops the merge, names the task and its files, and leaves the branch clean", async () => {
  const repo = await repoWithTasks({
    "001-a": { "README.md": "# by a\n" },
    "002-b": { "README.md": "# by b\n" },
    "003-c": { "c.txt": "c" },
  });
  const events: MergeEvent[] = [];
  const merged = await mergeTasks({
    ...repo,
    runBranch: "run/1",
    emit: async (e) => void events.push(e),
  });
  expect(merged).toEqual({ ok: false, taskSlug: "002-b", files: ["README.md"] });
  expect(events.at(-1)).toEqual({
    type: "MERGE_CONFLICT",
    taskSlug: "002-b",
    payload: { branchName: "feat/task-002-b", files: ["README.md"] },
  });
  expect(await readFileAt(repo.gitDir, "run/1", "README.md")).toBe("# by a\n");
  expect(await readFileAt(repo.gitDir, "run/1", "c.txt")).toBeUndefined();
});
