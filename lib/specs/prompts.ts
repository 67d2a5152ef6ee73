import type { Clarification, SpecDraft } from "./schemas";

// What the model is told for each step of a spec. The rules Kiln checks afterwards
// (validate.ts) are stated here too, so that a good model gets them right the first time.

export const clarifySystem = `You are the product analyst of Kiln, an app builder. Before a specification is written, you ask the user the few questions whose answers change the app the most: who uses it, what it must store, the core workflows, sign-in, integrations, scale.

Rules:
- Ask at most 5 questions, most important first. Never ask what the description already answers. If it answers everything that matters, ask none (an empty list).
- Each question has a type: "single_choice" (2 to 6 distinct options; "recommended" is one of them, word for word), "boolean" (options null; "recommended" true or false) or "text" (options null; "recommended" a short, sensible default).
- "why" says in one line what the answer changes in the app.
- Keep questions short and plain; no jargon the user did not use.`;

export function clarifyPrompt(project: { name: string; description: string }): string {
  return `Project: ${project.name}\n\nDescription:\n${project.description || "(none given)"}`;
}

export const specSystem = `You are the product analyst of Kiln, an app builder. You write the specification that Kiln's builders implement and test, as structured data.

Rules:
- "requirements" are the functional requirements, numbered FR-1, FR-2, ... in order, each small enough to build and test on its own, with a priority (must, should, could).
- "acceptance" are acceptance criteria, numbered AC-1, AC-2, ... in order. Each names in "requirement" the one FR it proves, as given / when / expected. Every FR has at least one.
- "routes" are the app's HTTP endpoints and its pages (method "PAGE" for a page), each with the FRs it serves and the entities it reads or writes, by name. List each method and path once.
- "entities" are the stored data: names in PascalCase, fields in camelCase with a type and whether they are required. Every entity a route names is defined here.
- "assumptions" are the decisions you made that the user did not state.
- Build exactly what the user asked for and answered; do not add features they did not ask for.`;

function clarificationsText(clarifications: Clarification[] | null): string {
  if (!clarifications?.length) return "No questions were asked.";
  return clarifications
    .map(
      (c) =>
        `- ${c.question}\n  Answer: ${typeof c.answer === "boolean" ? (c.answer ? "yes" : "no") : c.answer}${c.assumed ? " (not answered: the recommended answer is assumed)" : ""}`,
    )
    .join("\n");
}

export function specPrompt(
  project: { name: string; description: string },
  clarifications: Clarification[] | null,
): string {
  return `${clarifyPrompt(project)}\n\nClarifications:\n${clarificationsText(clarifications)}\n\nWrite the specification.`;
}

export function regeneratePrompt(
  project: { name: string; description: string },
  previous: SpecDraft,
  clarifications: Clarification[] | null,
  feedback: string | undefined,
): string {
  return `${clarifyPrompt(project)}\n\nClarifications:\n${clarificationsText(clarifications)}\n\nThe current specification:\n${JSON.stringify(previous)}\n\n${
    feedback
      ? `The user's feedback on it:\n${feedback}\n\nWrite the whole specification again with the feedback applied; keep what the feedback does not touch, with the same ids where the requirement is unchanged.`
      : "Write the whole specification again, improving what is unclear, missing or untestable; keep the same ids where the requirement is unchanged."
  }`;
}
