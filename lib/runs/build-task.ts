import "server-only";
import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { LlmCallRecord, LlmReply } from "@/lib/ai/llm-calls";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { addWorktree, commitAll, git } from "@/lib/git/git";
import { generateChecked } from "@/lib/specs/generate";
import type { SpecDocuments } from "@/lib/specs/schemas";
import { taskBranch } from "./event-types";
import { inScope, type PlannedTask } from "./plan";
import { taskSystem } from "./prompts";

// One task of a build run: a worktree on its own branch from the run's base commit, the model
// writing the task's files, every file checked against the task's scope and expected outputs
// before anything is written, and one commit. What happens is reported as events.

export const taskFilesSchema = z.object({
  files: z
    .array(z.object({ path: z.string().min(1).max(200), content: z.string().max(512 * 1024) }))
    .min(1)
    .max(200),
  notes: z.string().max(2000),
});
export type TaskFiles = z.infer<typeof taskFilesSchema>;

export type TaskEvent =
  | { type: "TASK_STARTED"; payload: { slug: string; branchName: string } }
  | { type: "FILE_CREATED" | "FILE_MODIFIED"; payload: { path: string; size: number } }
  | {
      type: "TASK_COMPLETED";
      payload: { slug: string; commitSha: string; filesCreated: number; filesModified: number };
    };

export interface TaskResult {
  branchName: string;
  worktreePath: string;
  commitSha: string;
  filesCreated: string[];
  filesModified: string[];
}

/** A path the model gave, as a clean relative path, or why it cannot be one. */
function cleanPath(file: string): string | { problem: string } {
  if (file.includes("\0") || file.includes("\\"))
    return { problem: `${JSON.stringify(file)} is not a path` };
  const normal = path.posix.normalize(file);
  if (path.posix.isAbsolute(normal) || normal.startsWith("..") || normal === ".") {
    return { problem: `${file} is outside the repository` };
  }
  if (normal.split("/")[0] === ".git") return { problem: `${file} is inside .git` };
  return normal;
}

/** The files of the worktree in the task's scope, as context for the model, up to a budget. */
async function scopeContext(dir: string, task: PlannedTask): Promise<string> {
  const files = (await git(["ls-files", "-z"], { cwd: dir })).split("\0").filter(Boolean);
  const lines = [`Files in the repository: ${files.join(", ") || "(none)"}`];
  let budget = 60_000;
  for (const file of files.filter((f) => task.pathScope.some((glob) => inScope(f, glob)))) {
    const content = await readFile(path.join(dir, file), "utf8");
    if (content.length > budget) break;
    budget -= content.length;
    lines.push(`--- ${file}\n${content}`);
  }
  return lines.join("\n");
}

export async function buildTask(options: {
  gitDir: string;
  base: string;
  workRoot: string;
  task: PlannedTask;
  spec: SpecDocuments;
  resolved: ResolvedModel;
  userId: string;
  emit: (event: TaskEvent) => Promise<void>;
  signal?: AbortSignal;
  /** Where model calls are recorded; llm_calls unless a test says otherwise. */
  recordCall?: (call: LlmCallRecord) => Promise<void>;
  /** In a replay, the recorded answer to each model call (generateChecked's answer). */
  answer?: (call: {
    purpose: string;
    attempt: number;
    promptHash: string;
  }) => Promise<LlmReply | undefined>;
}): Promise<TaskResult> {
  const { task } = options;
  const branchName = taskBranch(task);
  const worktreePath = path.join(options.workRoot, branchName.replace("/", "-"));
  if (!existsSync(worktreePath)) {
    await addWorktree(options.gitDir, worktreePath, branchName, options.base);
  }
  await options.emit({ type: "TASK_STARTED", payload: { slug: task.slug, branchName } });

  const prompt = [
    "The specification:",
    ...Object.entries(options.spec).map(([name, text]) => `=== ${name}\n${text}`),
    `The task: ${task.slug} — ${task.description}`,
    `Instructions:\n${task.instructions}`,
    `pathScope: ${task.pathScope.join(", ")}`,
    `Expected outputs: ${task.expectedOutputs.join(", ") || "(none named)"}`,
    `Requirements it implements: ${task.requirements.join(", ") || "(none named)"}`,
    await scopeContext(worktreePath, task),
  ].join("\n\n");

  const files = await generateChecked({
    resolved: options.resolved,
    userId: options.userId,
    purpose: "task",
    system: taskSystem,
    prompt,
    schema: taskFilesSchema,
    signal: options.signal,
    recordCall: options.recordCall,
    answer: options.answer,
    check: (answer) => {
      const problems: string[] = [];
      const clean: { path: string; content: string }[] = [];
      for (const file of answer.files) {
        const cleaned = cleanPath(file.path);
        if (typeof cleaned !== "string") problems.push(cleaned.problem);
        else if (!task.pathScope.some((glob) => inScope(cleaned, glob))) {
          problems.push(
            `${cleaned} is outside the task's pathScope (${task.pathScope.join(", ")})`,
          );
        } else clean.push({ path: cleaned, content: file.content });
      }
      const paths = new Set(clean.map((f) => f.path));
      if (paths.size !== clean.length) problems.push("a file is written twice");
      for (const expected of task.expectedOutputs) {
        if (!paths.has(expected) && !existsSync(path.join(worktreePath, expected))) {
          problems.push(`the expected output ${expected} is missing`);
        }
      }
      return problems.length ? { ok: false, problems } : { ok: true, value: clean };
    },
  });

  for (const file of files) {
    const target = path.join(worktreePath, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
  const committed = await commitAll(
    worktreePath,
    `task ${String(task.sequence).padStart(3, "0")} ${task.slug}: ${task.description}`,
  );
  const commitSha =
    committed?.commit ?? (await git(["rev-parse", "HEAD"], { cwd: worktreePath })).trim();
  for (const [type, list] of [
    ["FILE_CREATED", committed?.added ?? []],
    ["FILE_MODIFIED", committed?.modified ?? []],
  ] as const) {
    for (const file of list) {
      const size = (await stat(path.join(worktreePath, file))).size;
      await options.emit({ type, payload: { path: file, size } });
    }
  }
  const result: TaskResult = {
    branchName,
    worktreePath,
    commitSha,
    filesCreated: committed?.added ?? [],
    filesModified: committed?.modified ?? [],
  };
  await options.emit({
    type: "TASK_COMPLETED",
    payload: {
      slug: task.slug,
      commitSha,
      filesCreated: result.filesCreated.length,
      filesModified: result.filesModified.length,
    },
  });
  return result;
}
