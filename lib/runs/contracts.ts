import { z } from "zod";
import { projectParamsSchema } from "@/lib/projects/schemas";
import { defineContract } from "@/lib/route-contract";
import {
  cancelledRunSchema,
  listRunsQuerySchema,
  retriedRunSchema,
  runDetailSchema,
  runListItemSchema,
  runParamsSchema,
  startedRunSchema,
  startRunBodySchema,
  taskParamsSchema,
  taskSchema,
} from "./schemas";

export const startRunContract = defineContract({
  method: "POST",
  path: "/api/v1/projects/{projectId}/runs",
  summary:
    "Start a build of the approved spec (also from built or failed): the run decomposes the spec into tasks, builds each on its own branch, merges them and verifies the result. One at a time per project; your tier's concurrent builds (free 1, pro 5, enterprise unlimited) across projects, else 429.",
  tags: ["runs"],
  auth: "user",
  params: projectParamsSchema,
  body: startRunBodySchema,
  response: startedRunSchema,
  status: 201,
});

export const listRunsContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/runs",
  summary: "A project's runs, newest first, each with a summary of its tasks.",
  tags: ["runs"],
  auth: "user",
  params: projectParamsSchema,
  query: listRunsQuerySchema,
  response: z.array(runListItemSchema),
  paginated: true,
});

export const getRunContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/runs/{runId}",
  summary: "A run: the spec it builds, its checked plan, its tasks and its verification.",
  tags: ["runs"],
  auth: "user",
  params: runParamsSchema,
  response: runDetailSchema,
});

export const cancelRunContract = defineContract({
  method: "POST",
  path: "/api/v1/projects/{projectId}/runs/{runId}/cancel",
  summary:
    "Cancel a run that has not ended: its jobs and model calls stop and the project's build fails. 409 for a finished run.",
  tags: ["runs"],
  auth: "user",
  params: runParamsSchema,
  response: cancelledRunSchema,
});

export const retryRunContract = defineContract({
  method: "POST",
  path: "/api/v1/projects/{projectId}/runs/{runId}/retry",
  summary: "A new run of the same spec, with trigger retry and the next run number.",
  tags: ["runs"],
  auth: "user",
  params: runParamsSchema,
  response: retriedRunSchema,
  status: 201,
});

export const listTasksContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/runs/{runId}/tasks",
  summary: "A run's tasks in merge order: definition, branch, status and result.",
  tags: ["runs"],
  auth: "user",
  params: runParamsSchema,
  response: z.array(taskSchema),
});

export const getTaskContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/runs/{runId}/tasks/{taskId}",
  summary: "One task of a run: its definition, branch, worktree and the files it produced.",
  tags: ["runs"],
  auth: "user",
  params: taskParamsSchema,
  response: taskSchema,
});
