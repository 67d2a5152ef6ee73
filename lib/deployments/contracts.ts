import { z } from "zod";
import { projectParamsSchema } from "@/lib/projects/schemas";
import { defineContract } from "@/lib/route-contract";
import { streamLogsQuerySchema } from "./deployment-logs-query";
import {
  deployAcceptedSchema,
  deployBodySchema,
  deploymentActionSchema,
  deploymentParamsSchema,
  deploymentSchema,
  deployResultSchema,
  deployRunBodySchema,
  listDeploymentsQuerySchema,
  projectDeploymentParamsSchema,
  projectDeploymentSchema,
} from "./schemas";

export const deployRunContract = defineContract({
  method: "POST",
  path: "/api/v1/projects/{projectId}/deploy",
  summary:
    "Deploy a succeeded run's result (409 for any other run). provider local (default): built and started in the background on this machine. provider vercel or netlify: the commit's files are uploaded with your token from Settings (none saved, or one the provider refuses: 400; the provider unreachable or failing: 502) before the answer, then Kiln polls the provider. Status deploying, then live or failed.",
  tags: ["deployments"],
  auth: "user",
  rateLimit: "deploy",
  params: projectParamsSchema,
  body: deployRunBodySchema,
  response: deployAcceptedSchema,
  status: 202,
});

export const getProjectDeploymentContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/deployments/{deploymentId}",
  summary: "A deployment's status (deploying, live, failed, stopped), provider and URL.",
  tags: ["deployments"],
  auth: "user",
  params: projectDeploymentParamsSchema,
  response: projectDeploymentSchema,
});

export const deployContract = defineContract({
  method: "POST",
  path: "/api/v1/deploy",
  summary:
    "Deploy one source: a project's run (project_id, with run_id or else its latest succeeded run), a chat's newest app (chatId), an app given inline (fragment, as POST /api/sandbox takes it), or a folder of your workspace (workspace: {path}); naming none or several is 400. With a name, an optional host port, environment (stored encrypted, never shown) and limits. A port already taken is 400 PORT_IN_USE. provider vercel or netlify deploys the commit's files there with your token from Settings (port, limits and environment are for local only); url is then the provider's. No token or a refused one is 400, the provider unreachable or failing 502.",
  tags: ["deployments"],
  auth: "user",
  rateLimit: "deploy",
  body: deployBodySchema,
  response: deployResultSchema,
  status: 202,
});

export const listDeploymentsContract = defineContract({
  method: "GET",
  path: "/api/v1/deployments",
  summary: "The caller's deployments, newest first, filtered by status and project_id.",
  tags: ["deployments"],
  auth: "user",
  query: listDeploymentsQuerySchema,
  response: deploymentSchema.array(),
  paginated: true,
});

export const getDeploymentContract = defineContract({
  method: "GET",
  path: "/api/v1/deployments/{id}",
  summary: "One deployment, with its port, URLs, limits and restart count.",
  tags: ["deployments"],
  auth: "user",
  params: deploymentParamsSchema,
  response: deploymentSchema,
});

export const deleteDeploymentContract = defineContract({
  method: "DELETE",
  path: "/api/v1/deployments/{id}",
  summary:
    "Stop a deployment and remove it, its built app and its port. A Vercel or Netlify deployment is deleted at the provider first (Netlify: the site Kiln made for it); if the provider cannot be reached the answer is 502 and nothing is removed.",
  tags: ["deployments"],
  auth: "user",
  params: deploymentParamsSchema,
  response: deploymentActionSchema,
});

export const stopDeploymentContract = defineContract({
  method: "POST",
  path: "/api/v1/deployments/{id}/stop",
  summary:
    "Stop a deployment's app and free its port; its build is kept for a restart. Vercel and Netlify cannot stop a deployment and keep it: 409, delete it instead.",
  tags: ["deployments"],
  auth: "user",
  params: deploymentParamsSchema,
  response: deploymentActionSchema,
});

export const restartDeploymentContract = defineContract({
  method: "POST",
  path: "/api/v1/deployments/{id}/restart",
  summary:
    "Start a deployment's app again (live or stopped); answers once it serves. Its port taken meanwhile is 400 PORT_IN_USE. A Vercel or Netlify deployment is 409: deploy it again.",
  tags: ["deployments"],
  auth: "user",
  rateLimit: "deploy",
  params: deploymentParamsSchema,
  response: deploymentActionSchema,
});

export const streamDeploymentLogsContract = defineContract({
  method: "GET",
  path: "/api/v1/deployments/{id}/logs",
  summary:
    "The deployment's build and app output as server-sent events: `event: log`, `id: <seq>`, and as data { step (build | app), stream (stdout | stderr), text, seq, createdAt }. Replays from Last-Event-ID (or `?after=`), then follows live, with a heartbeat comment every KILN_SSE_HEARTBEAT_MS.",
  tags: ["deployments"],
  auth: "user",
  params: deploymentParamsSchema,
  query: streamLogsQuerySchema,
  response: z.string(),
  mediaType: "text/event-stream",
});
