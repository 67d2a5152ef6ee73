import { resolveModel } from "@/lib/ai/resolve-model";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { jsonOrEventStream } from "@/lib/http/sse";
import { log } from "@/lib/log";
import { clarifyContract } from "@/lib/specs/contracts";
import { clarify, progressEvent } from "@/lib/specs/specs";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(clarifyContract.path, {
  // POST /api/v1/projects/:projectId/clarify — the questions, asked once (streams with SSE)
  POST: apiRoute(clarifyContract, ({ caller, params, query, body, request, requestId, limit }) =>
    jsonOrEventStream(
      request,
      (events) =>
        clarify(caller.user.id, params.projectId, {
          refresh: query.refresh ?? false,
          resolve: () => resolveModel(caller.user, body, { beforeServerCall: () => limit("llm") }),
          signal: events?.signal ?? request.signal,
          onProgress: events && ((progress) => events.send(...progressEvent(progress))),
        }),
      { onUnexpected: (error) => log.error("clarify failed", { requestId, error }) },
    ),
  ),
});
