import { clarifySystem, specSystem } from "../../lib/specs/prompts.ts";

// What the fake model server answers to the spec steps of a project: three clarifying
// questions (one of each type), and a spec draft that passes Kiln's checks; a regeneration with
// feedback adds a requirement made of that feedback, so the versions differ where it says. A
// project whose description says "never answerable" always gets questions Kiln rejects.

export const exampleQuestions = {
  questions: [
    {
      question: "How do people sign in?",
      type: "single_choice",
      options: ["Email and password", "Google", "Magic link"],
      recommended: "Email and password",
      why: "Decides the account pages and what is stored per user.",
    },
    {
      question: "Do boards update live for everyone?",
      type: "boolean",
      options: null,
      recommended: false,
      why: "Live updates need a realtime channel.",
    },
    {
      question: "What is a card's largest attachment?",
      type: "text",
      options: null,
      recommended: "10 MB",
      why: "Sets the upload limit and storage.",
    },
  ],
};

function draft(feedback: string | undefined) {
  const requirements = [
    {
      id: "FR-1",
      title: "Sign in",
      description: "People sign in with email and password.",
      priority: "must",
    },
    {
      id: "FR-2",
      title: "Boards",
      description: "A signed-in user creates boards and adds cards to them.",
      priority: "must",
    },
  ];
  const acceptance = [
    {
      id: "AC-1",
      requirement: "FR-1",
      given: "an account",
      when: "the right password is given",
      expected: "the user is signed in",
    },
    {
      id: "AC-2",
      requirement: "FR-2",
      given: "a signed-in user",
      when: "they add a board",
      expected: "the board is listed",
    },
  ];
  if (feedback) {
    requirements.push({
      id: "FR-3",
      title: "Requested change",
      description: feedback.slice(0, 4000),
      priority: "should",
    });
    acceptance.push({
      id: "AC-3",
      requirement: "FR-3",
      given: "the change is built",
      when: "a user looks for it",
      expected: "it works as the feedback asked",
    });
  }
  return {
    title: "Task board",
    summary: "Teams keep their work on boards of cards.",
    requirements,
    acceptance,
    routes: [
      {
        method: "POST",
        path: "/api/boards",
        description: "Create a board",
        requirements: ["FR-2"],
        entities: ["Board"],
      },
      {
        method: "PAGE",
        path: "/boards",
        description: "The boards page",
        requirements: ["FR-2"],
        entities: ["Board"],
      },
    ],
    entities: [
      {
        name: "Board",
        description: "A board of cards",
        fields: [
          { name: "id", type: "uuid", required: true, description: "" },
          { name: "title", type: "text", required: true, description: "Shown on the board" },
        ],
      },
    ],
    assumptions: ["One workspace per user."],
  };
}

/** The reply to a spec step's prompt, or undefined when the prompt is not one. */
export function specReply(prompt: string): { json: unknown } | undefined {
  if (prompt.includes(clarifySystem)) {
    if (!/never answerable/i.test(prompt)) return { json: exampleQuestions };
    const [first, ...rest] = exampleQuestions.questions;
    return { json: { questions: [{ ...first, recommended: "Carrier pigeon" }, ...rest] } };
  }
  if (!prompt.includes(specSystem)) return undefined;
  const feedback = /The user's feedback on it:\n([\s\S]*?)\n\nWrite the whole/.exec(prompt)?.[1];
  return { json: draft(feedback?.trim()) };
}
