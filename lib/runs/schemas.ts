import { z } from "zod";
import { projectIdSchema } from "@/lib/projects/schemas";
import { pageFields } from "@/lib/query-numbers";

// Build runs and their tasks on /api/v1, as seed 001 names them ("Builds (Runs)", "Tasks").

export const runStatuses = [
  "decomposing",
  "executing",
  "merging",
  "verifying",
  "succeeded",
  "failed",
  "cancelled",
] as const;
export type RunStatus = (typeof runStatuses)[number];
/** A run in one of these still holds one of its user's concurrent builds. */
export const activeRunStatuses: readonly RunStatus[] = [
  "decomposing",
  "executing",
  "merging",
  "verifying",
];

export const taskStatuses = [
  "pending",
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
] as const;
export type TaskStatus = (typeof taskStatuses)[number];

export const runIdSchema = z.string().regex(/^run_[a-z0-9]+$/, { error: "is not a run id" });
export const taskIdSchema = z.string().regex(/^task_[a-z0-9]+$/, { error: "is not a task id" });

export const runParamsSchema = z.object({ projectId: projectIdSchema, runId: runIdSchema });
export const taskParamsSchema = runParamsSchema.extend({ taskId: taskIdSchema });

export const runTriggers = ["manual", "api", "retry", "replay"] as const;

export const startRunBodySchema = z.strictObject({
  trigger: z
    .enum(["manual", "api"], { error: "must be manual or api (retry has its own endpoint)" })
    .default("manual"),
});
export type StartRunBody = z.infer<typeof startRunBodySchema>;

export const listRunsQuerySchema = z.strictObject({
  ...pageFields,
  status: z.enum(runStatuses, { error: `must be one of ${runStatuses.join(", ")}` }).optional(),
});
export type ListRunsQuery = z.infer<typeof listRunsQuerySchema>;

const timestamp = z.iso.datetime();

export const startedRunSchema = z.object({
  id: runIdSchema,
  projectId: projectIdSchema,
  runNumber: z.number().int(),
  status: z.enum(runStatuses),
  trigger: z.string(),
  createdAt: timestamp,
});
export type StartedRun = z.infer<typeof startedRunSchema>;

export const retriedRunSchema = startedRunSchema.pick({
  id: true,
  runNumber: true,
  status: true,
  trigger: true,
});

export const replayRunBodySchema = z.strictObject({
  onMissingAnswer: z
    .enum(["fail", "ask_model"], { error: "must be fail or ask_model" })
    .default("fail"),
});
export type ReplayRunBody = z.infer<typeof replayRunBodySchema>;

export const replayedRunSchema = startedRunSchema.extend({ replayOf: runIdSchema });
export type ReplayedRun = z.infer<typeof replayedRunSchema>;

export const runListItemSchema = z.object({
  id: runIdSchema,
  runNumber: z.number().int(),
  status: z.enum(runStatuses),
  trigger: z.string(),
  tasksSummary: z.object({
    total: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
  }),
  error: z.string().nullable(),
  startedAt: timestamp,
  completedAt: timestamp.nullable(),
});
export type RunListItem = z.infer<typeof runListItemSchema>;

/** The task as planned (lib/runs/plan.ts PlannedTask, with its id). */
export const taskDefinitionSchema = z.object({
  id: z.string(),
  slug: z.string(),
  description: z.string(),
  instructions: z.string(),
  dependencies: z.array(z.string()),
  pathScope: z.array(z.string()),
  expectedOutputs: z.array(z.string()),
  requirements: z.array(z.string()),
});

export const taskResultSchema = z
  .object({
    filesCreated: z.array(z.string()),
    filesModified: z.array(z.string()),
    commitSha: z.string(),
  })
  .nullable();

export const taskSummarySchema = z.object({
  id: taskIdSchema,
  slug: z.string(),
  status: z.enum(taskStatuses),
  sequence: z.number().int(),
});

export const taskSchema = taskSummarySchema.extend({
  definition: taskDefinitionSchema,
  branchName: z.string(),
  worktreePath: z.string().nullable(),
  result: taskResultSchema,
  attempts: z.number().int(),
  error: z.string().nullable(),
  startedAt: timestamp.nullable(),
  completedAt: timestamp.nullable(),
});
export type RunTask = z.infer<typeof taskSchema>;

export const specSnapshotSchema = z.object({
  version: z.number().int(),
  documents: z.record(z.string(), z.string()),
  requirements: z.array(z.object({ id: z.string(), title: z.string() })),
  acceptance: z.array(
    z.object({ id: z.string(), text: z.string(), requirement: z.string().optional() }),
  ),
});
export type SpecSnapshot = z.infer<typeof specSnapshotSchema>;

export const runDetailSchema = z.object({
  id: runIdSchema,
  projectId: projectIdSchema,
  runNumber: z.number().int(),
  status: z.enum(runStatuses),
  trigger: z.string(),
  specVersion: z.number().int(),
  specSnapshot: specSnapshotSchema.nullable(),
  tasksJson: z
    .object({ tasks: z.array(z.record(z.string(), z.unknown())), mergeOrder: z.array(z.string()) })
    .nullable(),
  tasks: z.array(taskSummarySchema),
  verificationResult: z.record(z.string(), z.unknown()).nullable(),
  baseCommit: z.string().nullable(),
  resultCommit: z.string().nullable(),
  error: z.string().nullable(),
  tokenBudget: z.number().int().nullable(),
  tokensUsed: z.number().int(),
  /** The run this one replays (trigger "replay"), else null. */
  replayOf: runIdSchema.nullable(),
  createdAt: timestamp,
  startedAt: timestamp,
  completedAt: timestamp.nullable(),
});
export type RunDetail = z.infer<typeof runDetailSchema>;

export const cancelledRunSchema = z.object({ id: runIdSchema, status: z.literal("cancelled") });
