import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, test } from "vitest";
import type { LlmCallRecord } from "@/lib/ai/llm-calls";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { KilnError } from "@/lib/errors";
import { createBareRepository, git, readFileAt } from "@/lib/git/git";
import { buildTask, type TaskEvent } from "./build-task";
import type { PlannedTask } from "./plan";

// One task against AI SDK mock models and a real git repository: the files land on the task's
// branch in one commit, writes outside the task's scope go back to the model, and events say
// what happened.

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};
const answer = (value: unknown) => ({
  content: [{ type: "text" as const, text: JSON.stringify(value) }],
  finishReason: { unified: "stop" as const, raw: "stop" },
  usage,
  warnings: [],
});
function modelAnswering(...answers: unknown[]) {
  const prompts: string[] = [];
  const model = new MockLanguageModelV3({
    doGenerate: async (options) => {
      prompts.push(JSON.stringify(options.prompt));
      return answer(answers[Math.min(prompts.length - 1, answers.length - 1)]);
    },
  });
  const resolved: ResolvedModel = {
    model,
    provider: "openai-compatible",
    modelId: "mock",
    keySource: "server",
    isServerCall: true,
    settings: {},
  };
  return { resolved, prompts };
}

const task: PlannedTask = {
  slug: "boards-api",
  sequence: 2,
  description: "The boards API",
  instructions: "Write src/api/boards.ts with a list of boards.",
  dependencies: [],
  pathScope: ["src/api/**"],
  expectedOutputs: ["src/api/boards.ts"],
  requirements: ["FR-2"],
};
const spec = { "SPEC.md": "# Boards", "ACCEPTANCE.md": "", "ROUTES.md": "", "DATA.md": "" };

async function setup() {
  const root = mkdtempSync(path.join(tmpdir(), "kiln-task-"));
  const gitDir = path.join(root, "repo.git");
  const { commit } = await createBareRepository(gitDir, { "README.md": "# Boards\n" }, "start");
  return { gitDir, base: commit, workRoot: path.join(root, "work") };
}

describe("buildTask", () => {
  test("writes the task's files on its branch in one commit and reports each", async () => {
    const repo = await setup();
    const { resolved, prompts } = modelAnswering({
      files: [
        { path: "src/api/boards.ts", content: "export const boards = [];\n" },
        { path: "src/api/./types.ts", content: "export type Board = { id: string };\n" },
      ],
      notes: "Two files.",
    });
    const events: TaskEvent[] = [];
    const calls: LlmCallRecord[] = [];
    const result = await buildTask({
      ...repo,
      task,
      spec,
      resolved,
      userId: "u",
      emit: async (event) => void events.push(event),
      recordCall: async (call) => void calls.push(call),
    });
    expect(result.branchName).toBe("feat/task-002-boards-api");
    expect(result.filesCreated.sort()).toEqual(["src/api/boards.ts", "src/api/types.ts"]);
    expect(await readFileAt(repo.gitDir, result.branchName, "src/api/boards.ts")).toBe(
      "export const boards = [];\n",
    );
    expect(await readFileAt(repo.gitDir, "main", "src/api/boards.ts")).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual([
      "TASK_STARTED",
      "FILE_CREATED",
      "FILE_CREATED",
      "TASK_COMPLETED",
    ]);
    expect(events[1]?.payload).toMatchObject({ size: expect.any(Number) });
    expect(prompts[0]).toContain("Write src/api/boards.ts with a list of boards.");
    expect(calls.map((c) => [c.purpose, c.outcome])).toEqual([["task", "ok"]]);
  });

  test("a write outside the scope, or a missing output, goes back to the model; a fixed answer lands", async () => {
    const repo = await setup();
    const { resolved, prompts } = modelAnswering(
      {
        files: [
          { path: "src/ui/page.tsx", content: "x" },
          { path: "../escape.txt", content: "x" },
        ],
        notes: "",
      },
      { files: [{ path: "src/api/boards.ts", content: "ok\n" }], notes: "" },
    );
    const result = await buildTask({
      ...repo,
      task,
      spec,
      resolved,
      userId: "u",
      emit: async () => {},
      recordCall: async () => {},
    });
    expect(result.filesCreated).toEqual(["src/api/boards.ts"]);
    expect(prompts[1]).toContain("src/ui/page.tsx is outside the task's pathScope (src/api/**)");
    expect(prompts[1]).toContain("../escape.txt is outside the repository");
    expect(prompts[1]).toContain("the expected output src/api/boards.ts is missing");
  });

  test("a model that keeps writing outside the scope fails the task with the reason", async () => {
    const repo = await setup();
    const { resolved } = modelAnswering({
      files: [{ path: "package.json", content: "{}" }],
      notes: "",
    });
    const error = await buildTask({
      ...repo,
      task,
      spec,
      resolved,
      userId: "u",
      emit: async () => {},
      recordCall: async () => {},
    }).catch((e) => e);
    expect(error).toBeInstanceOf(KilnError);
    expect((error as KilnError).message).toContain("package.json is outside the task's pathScope");
  });

  test("answered from the records of an earlier build, with the same attempts, it commits the same tree and asks no model", async () => {
    const repo = await setup();
    const { resolved } = modelAnswering(
      { files: [{ path: "src/ui/page.tsx", content: "x" }], notes: "" },
      { files: [{ path: "src/api/boards.ts", content: "export const boards = [];\n" }], notes: "" },
    );
    const calls: LlmCallRecord[] = [];
    const first = await buildTask({
      ...repo,
      task,
      spec,
      resolved,
      userId: "u",
      emit: async () => {},
      recordCall: async (call) => void calls.push(call),
    });
    expect(calls.map((c) => [c.purpose, c.attempt, c.outcome])).toEqual([
      ["task", 1, "invalid_output"],
      ["task_retry", 2, "ok"],
    ]);

    // Built again in another work root: every call answered from the records, none from a model.
    const silent = modelAnswering();
    const asked: { purpose: string; attempt: number; promptHash: string }[] = [];
    const replayed = await buildTask({
      ...repo,
      workRoot: `${repo.workRoot}-replay`,
      // Another branch of the same task (the sequence names the branch, not the prompt).
      task: { ...task, sequence: 3 },
      spec,
      resolved: silent.resolved,
      userId: "u",
      emit: async () => {},
      recordCall: async () => {},
      answer: async (call) => {
        asked.push(call);
        return calls.find((c) => c.purpose === call.purpose && c.attempt === call.attempt)?.reply;
      },
    });
    expect(silent.prompts).toEqual([]);
    expect(asked.map((a) => [a.purpose, a.attempt])).toEqual([
      ["task", 1],
      ["task_retry", 2],
    ]);
    const tree = (commit: string) =>
      git(["rev-parse", `${commit}^{tree}`], { gitDir: repo.gitDir });
    expect(await tree(replayed.commitSha)).toBe(await tree(first.commitSha));

    // A record that says something else builds something else: the answer is what is built.
    const other = await buildTask({
      ...repo,
      workRoot: `${repo.workRoot}-other`,
      task: { ...task, sequence: 4 },
      spec,
      resolved: silent.resolved,
      userId: "u",
      emit: async () => {},
      recordCall: async () => {},
      answer: async () => ({
        text: "",
        output: { files: [{ path: "src/api/boards.ts", content: "changed\n" }], notes: "" },
      }),
    });
    expect(await tree(other.commitSha)).not.toBe(await tree(first.commitSha));
  });
});
