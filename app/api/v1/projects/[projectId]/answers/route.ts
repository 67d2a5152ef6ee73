import { resolveModel } from "@/lib/ai/resolve-model";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { jsonOrEventStream } from "@/lib/http/sse";
import { log } from "@/lib/log";
import { answersContract } from "@/lib/specs/contracts";
import { answer, progressEvent } from "@/lib/specs/specs";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(answersContract.path, {
  // POST /api/v1/projects/:projectId/answers — answers in, spec version 1 out (streams with SSE)
  POST: apiRoute(answersContract, ({ caller, params, body, request, requestId, limit }) =>
    jsonOrEventStream(
      request,
      (events) =>
        answer(caller.user.id, params.projectId, {
          answers: body.answers,
          resolve: () => resolveModel(caller.user, body, { beforeServerCall: () => limit("llm") }),
          signal: events?.signal ?? request.signal,
          onProgress: events && ((progress) => events.send(...progressEvent(progress))),
        }),
      { onUnexpected: (error) => log.error("answers failed", { requestId, error }) },
    ),
  ),
});
