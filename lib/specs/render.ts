import type { Clarification, SpecDocuments, SpecDraft } from "./schemas";

// The four spec documents, rendered from a checked draft: the same draft always gives the same
// Markdown, ids stay where the draft put them, and nothing the model wrote is taken as Markdown
// structure (table cells are escaped; headings and lists are Kiln's).

const cell = (text: string) =>
  text
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ");
const inline = (text: string) => text.replace(/\s*\n\s*/g, " ");

function answerText(answer: string | boolean): string {
  return typeof answer === "boolean" ? (answer ? "Yes" : "No") : answer;
}

export function renderSpec(
  draft: SpecDraft,
  clarifications: Clarification[] | null,
): SpecDocuments {
  const spec = [
    `# ${inline(draft.title)}`,
    "",
    draft.summary,
    "",
    "## Functional requirements",
    "",
    ...draft.requirements.flatMap((r) => [
      `### ${r.id}: ${inline(r.title)}`,
      "",
      `Priority: ${r.priority}`,
      "",
      r.description,
      "",
    ]),
    "## Clarifications",
    "",
    ...(clarifications?.length
      ? [
          "| Question | Answer |",
          "| --- | --- |",
          ...clarifications.map(
            (c) =>
              `| ${c.questionId}: ${cell(c.question)} | ${cell(answerText(c.answer))}${c.assumed ? " (assumed: the recommended answer)" : ""} |`,
          ),
          "",
        ]
      : ["No questions were asked.", ""]),
    "### Assumptions",
    "",
    ...(draft.assumptions.length ? draft.assumptions.map((a) => `- ${inline(a)}`) : ["- None."]),
    "",
  ].join("\n");

  const acceptance = [
    "# Acceptance criteria",
    "",
    ...draft.acceptance.flatMap((a) => [
      `## ${a.id} (proves ${a.requirement})`,
      "",
      `- **Given** ${inline(a.given)}`,
      `- **When** ${inline(a.when)}`,
      `- **Then** ${inline(a.expected)}`,
      "",
    ]),
  ].join("\n");

  const routes = [
    "# Routes",
    "",
    ...(draft.routes.length
      ? [
          "| Method | Path | Description | Requirements | Entities |",
          "| --- | --- | --- | --- | --- |",
          ...draft.routes.map(
            (r) =>
              `| ${r.method} | \`${cell(r.path)}\` | ${cell(r.description)} | ${r.requirements.join(", ")} | ${r.entities.map(cell).join(", ") || "—"} |`,
          ),
        ]
      : ["No routes."]),
    "",
  ].join("\n");

  const data = [
    "# Data model",
    "",
    ...(draft.entities.length
      ? draft.entities.flatMap((e) => [
          `## ${e.name}`,
          "",
          inline(e.description),
          "",
          "| Field | Type | Required | Description |",
          "| --- | --- | --- | --- |",
          ...e.fields.map(
            (f) =>
              `| ${f.name} | ${cell(f.type)} | ${f.required ? "yes" : "no"} | ${cell(f.description) || "—"} |`,
          ),
          "",
        ])
      : ["No stored entities.", ""]),
  ].join("\n");

  return { "SPEC.md": spec, "ACCEPTANCE.md": acceptance, "ROUTES.md": routes, "DATA.md": data };
}
