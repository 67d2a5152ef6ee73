import { describe, expect, test } from "vitest";
import type { SpecDraft } from "./schemas";
import { checkAnswers, checkDraft, checkQuestions } from "./validate";

const choice = {
  question: "Sign in how?",
  type: "single_choice" as const,
  options: ["Email", "Google"],
  recommended: "Email",
  why: "Accounts.",
};

describe("checkQuestions", () => {
  test("numbers good questions q1..qn and drops options from other types", () => {
    const checked = checkQuestions({
      questions: [
        choice,
        { ...choice, question: "Live?", type: "boolean", options: null, recommended: true },
      ],
    });
    expect(checked.questions).toEqual([
      { id: "q1", ...choice },
      { id: "q2", question: "Live?", type: "boolean", recommended: true, why: "Accounts." },
    ]);
  });

  test("names each broken rule", () => {
    const checked = checkQuestions({
      questions: [
        { ...choice, options: ["Only"], recommended: "Other" },
        { ...choice, question: "sign in HOW?" },
        { ...choice, question: "Live?", type: "boolean", options: ["a"], recommended: "yes" },
        { ...choice, question: "Size?", type: "text", options: null, recommended: " " },
      ],
    });
    expect(checked.problems).toEqual([
      "q1 is single_choice and needs 2 to 6 options (has 1)",
      "q1: the recommended answer must be one of its options",
      "q2 repeats an earlier question",
      "q3 is boolean: its recommended answer must be true or false",
      "q3 is boolean and must not list options",
      "q4 is text: its recommended answer must be a non-empty string",
    ]);
  });
});

describe("checkAnswers", () => {
  const questions = checkQuestions({ questions: [choice] }).questions ?? [];
  test("an unanswered question takes its recommended answer, marked assumed", () => {
    expect(checkAnswers(questions, []).clarifications).toEqual([
      { questionId: "q1", question: "Sign in how?", answer: "Email", assumed: true },
    ]);
  });
  test("answering twice is refused", () => {
    expect(
      checkAnswers(questions, [
        { questionId: "q1", answer: "Email" },
        { questionId: "q1", answer: "Google" },
      ]).problems,
    ).toEqual(["q1: answered twice"]);
  });
});

describe("checkDraft", () => {
  const good: SpecDraft = {
    title: "T",
    summary: "S",
    requirements: [{ id: "FR-1", title: "a", description: "b", priority: "must" }],
    acceptance: [{ id: "AC-1", requirement: "FR-1", given: "g", when: "w", expected: "e" }],
    routes: [
      { method: "GET", path: "/x", description: "d", requirements: ["FR-1"], entities: ["Item"] },
    ],
    entities: [
      {
        name: "Item",
        description: "d",
        fields: [{ name: "id", type: "uuid", required: true, description: "" }],
      },
    ],
    assumptions: [],
  };
  test("a consistent draft has no problems", () => {
    expect(checkDraft(good)).toEqual([]);
  });
  test("out-of-order ids, dangling references and duplicates are each named", () => {
    expect(
      checkDraft({
        ...good,
        requirements: [{ ...good.requirements[0]!, id: "FR-2" }],
        acceptance: [
          { ...good.acceptance[0]!, id: "AC-1" },
          { ...good.acceptance[0]!, id: "AC-3" },
        ],
        routes: [good.routes[0]!, { ...good.routes[0]!, entities: ["Ghost"] }],
        entities: [good.entities[0]!, good.entities[0]!],
      }),
    ).toEqual([
      "requirements must be numbered FR-1, FR-2, ... in order; #1 is FR-2",
      "acceptance criteria must be numbered AC-1, AC-2, ... in order; #2 is AC-3",
      "entity Item is defined twice",
      "AC-1 names FR-1, which is not a requirement",
      "AC-3 names FR-1, which is not a requirement",
      "FR-2 has no acceptance criterion that proves it",
      "route GET /x names FR-1, which is not a requirement",
      "route GET /x is listed twice",
      "route GET /x names FR-1, which is not a requirement",
      "route GET /x uses entity Ghost, which DATA does not define",
    ]);
  });
});
