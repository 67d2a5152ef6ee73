import "server-only";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { getDb } from "@/lib/db/client";
import { KilnError, notFound } from "@/lib/errors";
import { refusal, transition } from "@/lib/projects/projects";
import {
  canApply,
  invalidTransition,
  type ProjectAction,
  type ProjectStatus,
  projectActions,
} from "@/lib/projects/states";
import { type GenerateProgress, generateChecked } from "./generate";
import { clarifyPrompt, clarifySystem, regeneratePrompt, specPrompt, specSystem } from "./prompts";
import { renderSpec } from "./render";
import {
  type Clarification,
  proposedQuestionsSchema,
  type Question,
  type SpecDocuments,
  type SpecDraft,
  specDocumentNames,
  specDraftSchema,
} from "./schemas";
import { checkAnswers, checkDraft, checkQuestions } from "./validate";

// Clarify, answer, approve, regenerate: the spec half of a project's life. The model is asked
// only once the project's status allows the step; what it writes is checked before anything is
// stored; and the status change and the new spec version are one statement, so a step either
// happens whole or not at all (a project changed meanwhile is a 409 and nothing is written).

/** Resolves the model for a step, only when the step needs one (it may count a rate limit). */
export type ModelResolver = () => Promise<ResolvedModel>;

/** What a step reports while it runs, for a client that follows it (SSE). */
export type SpecProgress = GenerateProgress | { step: "document"; name: string; content: string };

/** A progress report as an SSE event: `document` for a finished document, else `progress`. */
export function progressEvent(progress: SpecProgress): [string, unknown] {
  if (progress.step === "document") {
    return ["document", { name: progress.name, content: progress.content }];
  }
  return ["progress", progress];
}

interface StepOptions {
  resolve: ModelResolver;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: SpecProgress) => void) | undefined;
}

interface ProjectState {
  name: string;
  description: string;
  status: ProjectStatus;
  questions: Question[] | null;
}

async function loadProject(userId: string, projectId: string): Promise<ProjectState> {
  const db = await getDb();
  const [row] = await db.query<ProjectState>(
    "select name, description, status, questions from projects where id = $1 and user_id = $2",
    [projectId, userId],
  );
  if (!row) throw notFound("Project");
  return row;
}

function assertCan(action: ProjectAction, project: ProjectState) {
  if (!canApply(action, project.status)) throw invalidTransition(action, project.status);
}

export async function clarify(
  userId: string,
  projectId: string,
  options: StepOptions & { refresh: boolean },
): Promise<{ questions: Question[] }> {
  const project = await loadProject(userId, projectId);
  assertCan("clarify", project);
  if (project.status === "clarifying" && project.questions && !options.refresh) {
    return { questions: project.questions };
  }
  const questions = await generateChecked({
    resolved: await options.resolve(),
    userId,
    purpose: "clarify",
    system: clarifySystem,
    prompt: clarifyPrompt(project),
    schema: proposedQuestionsSchema,
    check: (proposed) => {
      const checked = checkQuestions(proposed);
      return checked.questions
        ? { ok: true, value: checked.questions }
        : { ok: false, problems: checked.problems };
    },
    signal: options.signal,
    onProgress: options.onProgress,
  });
  await transition(userId, projectId, "clarify", { questions: JSON.stringify(questions) });
  return { questions };
}

export interface SpecResult {
  status: ProjectStatus;
  spec: { version: number; documents: SpecDocuments; approvedAt: null };
}

/**
 * Moves the project by `action` and stores the next spec version, in one statement; a
 * project whose status does not allow it (or that another request moved first) stores nothing.
 */
async function storeVersion(
  userId: string,
  projectId: string,
  action: "answer" | "regenerate",
  version: { draft: SpecDraft; clarifications: Clarification[] | null; feedback: string | null },
): Promise<SpecResult> {
  const documents = renderSpec(version.draft, version.clarifications);
  const { from, to } = projectActions[action];
  const db = await getDb();
  let rows: { version: number }[];
  try {
    rows = await db.query<{ version: number }>(
      `with moved as (
         update projects set status = $4, updated_at = now()
          where id = $1 and user_id = $2 and status = any($3::text[])
         returning id
       )
       insert into spec_versions (project_id, version, draft, documents, clarifications, feedback)
       select moved.id,
              coalesce((select max(version) from spec_versions where project_id = $1), 0) + 1,
              $5, $6, $7, $8
         from moved
       returning version`,
      [
        projectId,
        userId,
        [...from],
        to,
        JSON.stringify(version.draft),
        JSON.stringify(documents),
        version.clarifications ? JSON.stringify(version.clarifications) : null,
        version.feedback,
      ],
    );
  } catch (error) {
    // Two regenerations at once: the second finds its version number taken.
    if ((error as { code?: string }).code === "23505") {
      throw new KilnError("CONFLICT", "The spec changed while this version was written; try again");
    }
    throw error;
  }
  const [row] = rows;
  if (!row) return refusal(userId, projectId, action);
  return { status: to, spec: { version: row.version, documents, approvedAt: null } };
}

export async function answer(
  userId: string,
  projectId: string,
  options: StepOptions & { answers: { questionId: string; answer: string | boolean }[] },
): Promise<SpecResult> {
  const project = await loadProject(userId, projectId);
  assertCan("answer", project);
  const checked = checkAnswers(project.questions ?? [], options.answers);
  if (!checked.clarifications) {
    throw new KilnError("VALIDATION_ERROR", `answers: ${checked.problems.join("; ")}`, {
      details: {
        in: "body",
        issues: checked.problems.map((message) => ({ field: "answers", message })),
      },
    });
  }
  const clarifications = checked.clarifications;
  const draft = await generateSpec(userId, {
    ...options,
    prompt: specPrompt(project, clarifications),
    purpose: "spec",
  });
  const result = await storeVersion(userId, projectId, "answer", {
    draft,
    clarifications,
    feedback: null,
  });
  reportDocuments(result, options.onProgress);
  return result;
}

export async function regenerate(
  userId: string,
  projectId: string,
  options: StepOptions & { feedback?: string | undefined },
): Promise<SpecResult> {
  const project = await loadProject(userId, projectId);
  assertCan("regenerate", project);
  const db = await getDb();
  const [latest] = await db.query<{ draft: SpecDraft; clarifications: Clarification[] | null }>(
    `select draft, clarifications from spec_versions where project_id = $1
      order by version desc limit 1`,
    [projectId],
  );
  if (!latest) throw invalidTransition("regenerate", project.status);
  // Version 1's answers stay the spec's clarifications through every regeneration.
  const [first] = await db.query<{ clarifications: Clarification[] | null }>(
    "select clarifications from spec_versions where project_id = $1 and version = 1",
    [projectId],
  );
  const clarifications = first?.clarifications ?? null;
  const feedback = options.feedback?.trim() || undefined;
  const draft = await generateSpec(userId, {
    ...options,
    prompt: regeneratePrompt(project, latest.draft, clarifications, feedback),
    purpose: "spec_regenerate",
  });
  const result = await storeVersion(userId, projectId, "regenerate", {
    draft,
    clarifications,
    feedback: feedback ?? null,
  });
  reportDocuments(result, options.onProgress);
  return result;
}

/** Each stored document, in order, to a client that follows the step. */
function reportDocuments(result: SpecResult, onProgress: StepOptions["onProgress"]) {
  if (!onProgress) return;
  for (const name of specDocumentNames) {
    onProgress({ step: "document", name, content: result.spec.documents[name] });
  }
}

async function generateSpec(
  userId: string,
  options: StepOptions & { prompt: string; purpose: string },
): Promise<SpecDraft> {
  return generateChecked({
    resolved: await options.resolve(),
    userId,
    purpose: options.purpose,
    system: specSystem,
    prompt: options.prompt,
    schema: specDraftSchema,
    check: (draft) => {
      const problems = checkDraft(draft);
      return problems.length === 0 ? { ok: true, value: draft } : { ok: false, problems };
    },
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/** Approves the latest version, which is then the one a build uses. */
export async function approve(
  userId: string,
  projectId: string,
): Promise<{ status: "approved"; spec: { version: number; approvedAt: string } }> {
  const { from, to } = projectActions.approve;
  const db = await getDb();
  const [row] = await db.query<{ version: number; approved_at: Date }>(
    `with moved as (
       update projects set status = $4, updated_at = now()
        where id = $1 and user_id = $2 and status = any($3::text[])
       returning id
     )
     update spec_versions s set approved_at = now()
       from moved
      where s.project_id = moved.id
        and s.version = (select max(version) from spec_versions where project_id = $1)
     returning s.version, s.approved_at`,
    [projectId, userId, [...from], to],
  );
  if (!row) return refusal(userId, projectId, "approve");
  return {
    status: "approved",
    spec: { version: row.version, approvedAt: new Date(row.approved_at).toISOString() },
  };
}
