import { KilnError } from "@/lib/errors";

// The project state machine of the build pipeline, in one place: which action may start from
// which status, and where it leads. Services apply an action with a conditional update (the
// status is checked in the same statement that changes it), so two requests racing each other
// cannot both win.

export const projectStatuses = [
  "draft",
  "clarifying",
  "spec_review",
  "approved",
  "building",
  "built",
  "failed",
  "archived",
] as const;
export type ProjectStatus = (typeof projectStatuses)[number];

const live = projectStatuses.filter((s) => s !== "archived");

export const projectActions = {
  /** Ask (or ask again) the clarifying questions. */
  clarify: { from: ["draft", "clarifying"], to: "clarifying" },
  /** Answers produce spec version 1. */
  answer: { from: ["clarifying"], to: "spec_review" },
  approve: { from: ["spec_review"], to: "approved" },
  /** A new spec version, to be reviewed again. */
  regenerate: { from: ["spec_review", "approved", "built", "failed"], to: "spec_review" },
  build: { from: ["approved", "built", "failed"], to: "building" },
  succeed: { from: ["building"], to: "built" },
  fail: { from: ["building"], to: "failed" },
  archive: { from: live, to: "archived" },
  /** Name and description change in any status but archived; the status stays. */
  edit: { from: live, to: undefined },
} as const satisfies Record<
  string,
  { from: readonly ProjectStatus[]; to: ProjectStatus | undefined }
>;
export type ProjectAction = keyof typeof projectActions;

const verbs: Record<ProjectAction, string> = {
  clarify: "ask clarifying questions for",
  answer: "answer the questions of",
  approve: "approve the spec of",
  regenerate: "regenerate the spec of",
  build: "start a build of",
  succeed: "finish a build of",
  fail: "fail a build of",
  archive: "archive",
  edit: "edit",
};

export function canApply(action: ProjectAction, status: ProjectStatus): boolean {
  return (projectActions[action].from as readonly ProjectStatus[]).includes(status);
}

/** The 409 for an action its project's status does not allow, naming that status. */
export function invalidTransition(action: ProjectAction, status: ProjectStatus): KilnError {
  const allowed = projectActions[action].from.join(", ");
  return new KilnError(
    "CONFLICT",
    `Cannot ${verbs[action]} a project in status "${status}" (allowed from: ${allowed})`,
    { details: { status, action, allowedFrom: [...projectActions[action].from] } },
  );
}
