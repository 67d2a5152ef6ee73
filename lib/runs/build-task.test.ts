import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, test } from "vitest";
import type { LlmCallRecord } from "@/lib/ai/llm-calls";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { KilnError } from "@/lib/errors";
import { createBareRepository, readFileAt } from "@/lib/git/git";
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
});
