import { resolveModel } from "@/lib/ai/resolve-model";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { clarifyContract } from "@/lib/specs/contracts";
import { clarify } from "@/lib/specs/specs";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(clarifyContract.path, {
  // POST /api/v1/projects/:projectId/clarify — the questions, asked once
  POST: apiRoute(clarifyContract, ({ caller, params, query, body, request, limit }) =>
    clarify(caller.user.id, params.projectId, {
      refresh: query.refresh ?? false,
      resolve: () => resolveModel(caller.user, body, { beforeServerCall: () => limit("llm") }),
      signal: request.signal,
    }),
  ),
});
