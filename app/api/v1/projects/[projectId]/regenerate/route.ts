import { resolveModel } from "@/lib/ai/resolve-model";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { jsonOrEventStream } from "@/lib/http/sse";
import { log } from "@/lib/log";
import { regenerateContract } from "@/lib/specs/contracts";
import { progressEvent, regenerate } from "@/lib/specs/specs";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(regenerateContract.path, {
  // POST /api/v1/projects/:projectId/regenerate — a new spec version (streams with SSE)
  POST: apiRoute(regenerateContract, ({ caller, params, body, request, requestId, limit }) =>
    jsonOrEventStream(
      request,
      (events) =>
        regenerate(caller.user.id, params.projectId, {
          feedback: body.feedback,
          resolve: () => resolveModel(caller.user, body, { beforeServerCall: () => limit("llm") }),
          signal: events?.signal ?? request.signal,
          onProgress: events && ((progress) => events.send(...progressEvent(progress))),
        }),
      { onUnexpected: (error) => log.error("regenerate failed", { requestId, error }) },
    ),
  ),
});
