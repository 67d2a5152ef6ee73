import { describe, expect, test } from "vitest";
import { checkPlan, proposedPlanSchema } from "../../lib/runs/plan";
import { decomposeSystem, taskSystem } from "../../lib/runs/prompts";
import { fileContent, planFor, runReply } from "./fake-run-replies";

// The fake's plans do what the runs suite relies on: Kiln's own checks accept the default and
// the conflicting plans (ordering the overlapping tasks) and reject the unplannable one; a
// task's reply writes exactly its expected outputs.

const requirements = ["FR-1", "FR-2"];
const checked = (name: string) => checkPlan(proposedPlanSchema.parse(planFor(name)), requirements);

describe("the fake's plans", () => {
  test("the default plan passes: three tasks, api waiting on store", () => {
    const plan = checked("Board");
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.tasks.map((t) => [t.slug, t.sequence, t.dependencies])).toEqual([
      ["store", 1, []],
      ["pages", 2, []],
      ["api", 3, ["store"]],
    ]);
  });

  test("the conflicting plan passes, its overlapping tasks ordered one after the other", () => {
    const plan = checked("Conflict Board");
    expect(plan.ok && plan.addedEdges).toEqual([["settings-b", "settings-a"]]);
  });

  test("a plan of independent tasks passes as it is: no task waits, none overlaps", () => {
    const plan = checked("Bench 20 independent tasks");
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.tasks).toHaveLength(20);
    expect(plan.tasks.every((t) => t.dependencies.length === 0)).toBe(true);
    expect(plan.addedEdges).toEqual([]);
    expect(plan.tasks[19]).toMatchObject({
      slug: "part-20",
      sequence: 20,
      expectedOutputs: ["src/part-20/index.js"],
    });
    expect(new Set(plan.tasks.flatMap((t) => t.requirements))).toEqual(new Set(requirements));
  });

  test("the unplannable plan is rejected for its unknown dependency", () => {
    const plan = checked("Unplannable Board");
    expect(plan.ok ? [] : plan.problems).toContain(
      "task everything depends on missing-task, which is not a task",
    );
  });
});

describe("runReply", () => {
  test("answers a planning prompt with the plan for the project it names", () => {
    const prompt = `${decomposeSystem}\nProject: Conflict Board\n\nPlan the tasks.`;
    expect(runReply(prompt)).toEqual({ json: planFor("Conflict Board") });
  });

  test("answers a task prompt with its expected outputs", () => {
    const prompt = [
      taskSystem,
      "The task: api — The api of Board",
      "Instructions:\nBuild the api part of Board.",
      "pathScope: src/api/**",
      "Expected outputs: src/api/boards.js, src/api/cards.js",
    ].join("\n\n");
    const reply = runReply(prompt) as { json: { files: { path: string; content: string }[] } };
    expect(reply.json.files).toEqual([
      {
        path: "src/api/boards.js",
        content: fileContent("api", "src/api/boards.js", "Build the api part of Board."),
      },
      {
        path: "src/api/cards.js",
        content: fileContent("api", "src/api/cards.js", "Build the api part of Board."),
      },
    ]);
  });

  test("leaves other prompts alone", () => {
    expect(runReply("Write the specification.")).toBeUndefined();
  });
});
