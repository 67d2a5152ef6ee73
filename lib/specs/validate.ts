import type { Clarification, ProposedQuestions, Question, SpecDraft } from "./schemas";

// What the model wrote, checked beyond its schema before anything is stored. Each function
// answers the problems found, in words the model can act on when it is asked again (an empty
// list means the output is good).

/** The proposed questions as Kiln's numbered questions, or what is wrong with them. */
export function checkQuestions(
  proposed: ProposedQuestions,
): { questions: Question[]; problems: [] } | { questions?: undefined; problems: string[] } {
  const problems: string[] = [];
  const questions: Question[] = [];
  const seen = new Set<string>();
  proposed.questions.forEach((q, index) => {
    const id = `q${index + 1}`;
    const text = q.question.trim();
    if (seen.has(text.toLowerCase())) problems.push(`${id} repeats an earlier question`);
    seen.add(text.toLowerCase());
    if (q.type === "single_choice") {
      const options = q.options ?? [];
      if (options.length < 2 || options.length > 6) {
        problems.push(`${id} is single_choice and needs 2 to 6 options (has ${options.length})`);
      }
      if (new Set(options).size !== options.length) problems.push(`${id} repeats an option`);
      if (typeof q.recommended !== "string" || !options.includes(q.recommended)) {
        problems.push(`${id}: the recommended answer must be one of its options`);
      }
      questions.push({
        id,
        question: text,
        type: "single_choice",
        options,
        recommended: String(q.recommended),
        why: q.why,
      });
    } else if (q.type === "boolean") {
      if (typeof q.recommended !== "boolean") {
        problems.push(`${id} is boolean: its recommended answer must be true or false`);
      }
      if (q.options?.length) problems.push(`${id} is boolean and must not list options`);
      questions.push({
        id,
        question: text,
        type: "boolean",
        recommended: q.recommended === true,
        why: q.why,
      });
    } else {
      if (typeof q.recommended !== "string" || q.recommended.trim() === "") {
        problems.push(`${id} is text: its recommended answer must be a non-empty string`);
      }
      questions.push({
        id,
        question: text,
        type: "text",
        recommended: String(q.recommended),
        why: q.why,
      });
    }
  });
  return problems.length > 0 ? { problems } : { questions, problems: [] };
}

/**
 * The user's answers against the stored questions: every unknown id, wrong type or option not
 * offered is named; an unanswered question takes its recommended answer, marked as assumed.
 */
export function checkAnswers(
  questions: Question[],
  answers: { questionId: string; answer: string | boolean }[],
):
  | { clarifications: Clarification[]; problems: [] }
  | { clarifications?: undefined; problems: string[] } {
  const problems: string[] = [];
  const byId = new Map(questions.map((q) => [q.id, q]));
  const given = new Map<string, string | boolean>();
  for (const { questionId, answer } of answers) {
    const question = byId.get(questionId);
    if (!question) {
      problems.push(
        `${questionId}: there is no such question (asked: ${[...byId.keys()].join(", ") || "none"})`,
      );
      continue;
    }
    if (given.has(questionId)) problems.push(`${questionId}: answered twice`);
    if (question.type === "boolean" && typeof answer !== "boolean") {
      problems.push(`${questionId}: must be answered true or false`);
    } else if (question.type !== "boolean" && typeof answer !== "string") {
      problems.push(`${questionId}: must be answered with text`);
    } else if (question.type === "single_choice" && !question.options.includes(answer as string)) {
      problems.push(
        `${questionId}: "${answer}" is not one of the options (${question.options.join(", ")})`,
      );
    } else if (question.type === "text" && (answer as string).trim() === "") {
      problems.push(`${questionId}: the answer is empty`);
    }
    given.set(questionId, typeof answer === "string" ? answer.trim() : answer);
  }
  if (problems.length > 0) return { problems };
  return {
    clarifications: questions.map((q) => ({
      questionId: q.id,
      question: q.question,
      answer: given.get(q.id) ?? q.recommended,
      assumed: !given.has(q.id),
    })),
    problems: [],
  };
}

const numbered = (ids: string[], prefix: string, what: string): string[] => {
  const problems: string[] = [];
  ids.forEach((id, index) => {
    if (id !== `${prefix}-${index + 1}`) {
      problems.push(
        `${what} must be numbered ${prefix}-1, ${prefix}-2, ... in order; #${index + 1} is ${id}`,
      );
    }
  });
  return problems.slice(0, 3);
};

/** A spec's internal references: ids unique and in order, every reference to something that exists. */
export function checkDraft(draft: SpecDraft): string[] {
  const problems: string[] = [
    ...numbered(
      draft.requirements.map((r) => r.id),
      "FR",
      "requirements",
    ),
    ...numbered(
      draft.acceptance.map((a) => a.id),
      "AC",
      "acceptance criteria",
    ),
  ];
  const requirements = new Set(draft.requirements.map((r) => r.id));
  const entities = new Set<string>();
  for (const entity of draft.entities) {
    if (entities.has(entity.name)) problems.push(`entity ${entity.name} is defined twice`);
    entities.add(entity.name);
    const fields = new Set<string>();
    for (const field of entity.fields) {
      if (fields.has(field.name))
        problems.push(`entity ${entity.name} has field ${field.name} twice`);
      fields.add(field.name);
    }
  }
  const proven = new Set<string>();
  for (const ac of draft.acceptance) {
    if (!requirements.has(ac.requirement)) {
      problems.push(`${ac.id} names ${ac.requirement}, which is not a requirement`);
    }
    proven.add(ac.requirement);
  }
  for (const fr of draft.requirements) {
    if (!proven.has(fr.id)) problems.push(`${fr.id} has no acceptance criterion that proves it`);
  }
  const routes = new Set<string>();
  for (const route of draft.routes) {
    const name = `${route.method} ${route.path}`;
    if (routes.has(name)) problems.push(`route ${name} is listed twice`);
    routes.add(name);
    for (const fr of route.requirements) {
      if (!requirements.has(fr))
        problems.push(`route ${name} names ${fr}, which is not a requirement`);
    }
    for (const entity of route.entities) {
      if (!entities.has(entity))
        problems.push(`route ${name} uses entity ${entity}, which DATA does not define`);
    }
  }
  return problems;
}
