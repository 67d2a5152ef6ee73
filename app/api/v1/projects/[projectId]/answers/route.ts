import { resolveModel } from "@/lib/ai/resolve-model";
import { apiRoute, routeMethods } from "@/lib/http/route";
import { answersContract } from "@/lib/specs/contracts";
import { answer } from "@/lib/specs/specs";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(answersContract.path, {
  // POST /api/v1/projects/:projectId/answers — answers in, spec version 1 out
  POST: apiRoute(answersContract, ({ caller, params, body, request, limit }) =>
    answer(caller.user.id, params.projectId, {
      answers: body.answers,
      resolve: () => resolveModel(caller.user, body, { beforeServerCall: () => limit("llm") }),
      signal: request.signal,
    }),
  ),
});
