import { z } from "zod";
import { projectParamsSchema } from "@/lib/projects/schemas";
import { defineContract } from "@/lib/route-contract";
import {
  listRunEventsQuerySchema,
  runEventSchema,
  streamRunEventsQuerySchema,
} from "./event-schemas";
import {
  cancelledRunSchema,
  listRunsQuerySchema,
  replayedRunSchema,
  replayRunBodySchema,
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

export const replayRunContract = defineContract({
  method: "POST",
  path: "/api/v1/projects/{projectId}/runs/{runId}/replay",
  summary:
    'Replay a run that has ended: a new run (trigger replay, the next run number) of the same spec snapshot on the same base commit, whose model calls are answered from the answers the run\'s calls got, with no model and no tokens; it never moves main. A call whose prompt has no recorded answer fails the run naming the step, unless onMissingAnswer is "ask_model". 409 for a run that has not ended or recorded no answers.',
  tags: ["runs"],
  auth: "user",
  params: runParamsSchema,
  body: replayRunBodySchema,
  response: replayedRunSchema,
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

export const listRunEventsContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/runs/{runId}/events",
  summary:
    "The run's events, oldest first: `after` (a sequence number, or a timestamp), `type`, `taskId`, `limit` (default 100, at most 1,000). Each event's `seq` is where to resume.",
  tags: ["runs"],
  auth: "user",
  params: runParamsSchema,
  query: listRunEventsQuerySchema,
  response: z.array(runEventSchema),
});

export const streamRunEventsContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/runs/{runId}/events/stream",
  summary:
    "The run's events as server-sent events: `event: <TYPE>`, `id: <seq>`, and as data the event's payload with its id, seq, runId, taskId, eventType and createdAt. Replays from Last-Event-ID (or `?after=`), then follows live; a comment line every KILN_SSE_HEARTBEAT_MS (15 s by default) keeps a quiet connection alive; the stream ends after the run's final event (RUN_SUCCEEDED, RUN_FAILED or RUN_CANCELLED).",
  tags: ["runs"],
  auth: "user",
  params: runParamsSchema,
  query: streamRunEventsQuerySchema,
  response: z.string(),
  mediaType: "text/event-stream",
});
