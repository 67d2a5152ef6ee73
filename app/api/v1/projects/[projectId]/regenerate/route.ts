import { resolveModel } from "@/lib/ai/resolve-model";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { regenerateContract } from "@/lib/specs/contracts";
import { regenerate } from "@/lib/specs/specs";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(regenerateContract.path, {
  // POST /api/v1/projects/:projectId/regenerate — a new spec version from feedback
  POST: apiRoute(regenerateContract, ({ caller, params, body, request, limit }) =>
    regenerate(caller.user.id, params.projectId, {
      feedback: body.feedback,
      resolve: () => resolveModel(caller.user, body, { beforeServerCall: () => limit("llm") }),
      signal: request.signal,
    }),
  ),
});
