import { describe, expect, test } from "vitest";
import { checkPlan, inScope, type ProposedPlan, scopesOverlap } from "./plan";

const task = (slug: string, extra: Partial<ProposedPlan["tasks"][number]> = {}) => ({
  slug,
  description: `Build ${slug}`,
  instructions: `Write ${slug}.`,
  dependencies: [],
  pathScope: [`src/${slug}/**`],
  expectedOutputs: [],
  requirements: [],
  ...extra,
});

describe("scopes", () => {
  test.each([
    ["src/app/**", "src/app/page.tsx", true],
    ["src/app/**", "src/lib/**", false],
    ["src/**", "src/app/**", true],
    ["src/app/page.tsx", "src/app/page.tsx", true],
    ["src/app/page.tsx", "src/app/layout.tsx", false],
    ["src/*.ts", "src/a/b.ts", true],
    ["package.json", "src/**", false],
  ])("%s and %s overlap: %s", (a, b, expected) => {
    expect(scopesOverlap(a, b)).toBe(expected);
    expect(scopesOverlap(b, a)).toBe(expected);
  });

  test.each([
    ["src/app/page.tsx", "src/app/**", true],
    ["src/app/deep/x.ts", "src/app/**", true],
    ["src/lib/x.ts", "src/app/**", false],
    ["src/x.ts", "src/*.ts", true],
    ["src/a/x.ts", "src/*.ts", false],
    ["package.json", "package.json", true],
  ])("%s in %s: %s", (file, glob, expected) => {
    expect(inScope(file, glob)).toBe(expected);
  });
});

describe("checkPlan", () => {
  test("a good plan comes back in merge order, numbered, with ordering edges for shared scopes", () => {
    const checked = checkPlan(
      {
        tasks: [
          task("api", { dependencies: ["db"], requirements: ["FR-2"], pathScope: ["src/**"] }),
          task("db", { requirements: ["FR-1"], expectedOutputs: ["src/db/schema.ts"] }),
          task("ui", { requirements: ["FR-3"], pathScope: ["src/ui/**"] }),
        ],
        mergeOrder: ["db", "ui", "api"],
      },
      ["FR-1", "FR-2", "FR-3"],
    );
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.tasks.map((t) => [t.sequence, t.slug])).toEqual([
      [1, "db"],
      [2, "ui"],
      [3, "api"],
    ]);
    // api (src/**) and ui (src/ui/**) overlap and were independent: api now waits for ui.
    expect(checked.addedEdges).toEqual([["api", "ui"]]);
    expect(checked.tasks[2]?.dependencies.sort()).toEqual(["db", "ui"]);
  });

  test("each broken rule is named", () => {
    const checked = checkPlan(
      {
        tasks: [
          task("a", { dependencies: ["b", "ghost", "a"], requirements: ["FR-9"] }),
          task("b", { dependencies: ["c"], expectedOutputs: ["elsewhere/x.ts"] }),
          task("c", { dependencies: ["a"] }),
        ],
        mergeOrder: ["a", "b", "zed"],
      },
      ["FR-1"],
    );
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems).toEqual([
      "task a depends on ghost, which is not a task",
      "task a depends on itself",
      "task a names FR-9, which the spec does not have",
      "task b expects elsewhere/x.ts, outside its pathScope (src/b/**)",
      "FR-1 is owned by no task",
      "the dependencies form a cycle: a → b → c → a",
      "mergeOrder leaves out c",
      "mergeOrder names zed, which are not tasks",
    ]);
  });

  test("a merge order that puts a task before its dependency is refused", () => {
    const checked = checkPlan(
      { tasks: [task("a", { dependencies: ["b"] }), task("b")], mergeOrder: ["a", "b"] },
      [],
    );
    expect(checked).toEqual({
      ok: false,
      problems: ["mergeOrder puts a before b, which it depends on"],
    });
  });
});
