// The events of a build run, as stored on the stream `run:<runId>` (lib/events) and sent over
// SSE as `event: <TYPE>`. A run's stream ends with exactly one of the final types.

export const runStream = (runId: string) => `run:${runId}`;

export const runEventTypes = [
  "RUN_STARTED",
  "DECOMPOSE_STARTED",
  "PLAN_REJECTED",
  "PLAN_ACCEPTED",
  "TASK_QUEUED",
  "TASK_STARTED",
  "FILE_CREATED",
  "FILE_MODIFIED",
  "TASK_COMPLETED",
  "TASK_FAILED",
  "MERGE_STARTED",
  "TASK_MERGED",
  "MERGE_CONFLICT",
  "VERIFY_STARTED",
  "VERIFY_OUTPUT",
  "VERIFY_COMPLETED",
  "RUN_SUCCEEDED",
  "RUN_FAILED",
  "RUN_CANCELLED",
] as const;
export type RunEventType = (typeof runEventTypes)[number];

export const finalRunEventTypes: ReadonlySet<string> = new Set([
  "RUN_SUCCEEDED",
  "RUN_FAILED",
  "RUN_CANCELLED",
]);

/** A run's own branch in the project repository: the tasks are merged into it, in order. */
export const runBranch = (runNumber: number) => `run/${String(runNumber).padStart(3, "0")}`;
/** A task's branch: feat/task-NNN-slug, numbered by its place in the merge order. */
export const taskBranch = (task: { sequence: number; slug: string }) =>
  `feat/task-${String(task.sequence).padStart(3, "0")}-${task.slug}`;
