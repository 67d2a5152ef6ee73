import { resolveModel } from "@/lib/ai/resolve-model";
import { chatAnswerFor, chatTurn } from "@/lib/chat/chat-turn";
import { chatContract } from "@/lib/chat/contracts";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/chat — the model writes a fragment, streamed as it grows
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(chatContract.path, {
  POST: apiRoute(chatContract, async ({ caller, body, request, limit }) => {
    // The server's endpoints and keys are shared by everyone: they are what the LLM limit protects.
    const resolved = await resolveModel(caller.user, body, {
      beforeServerCall: () => limit("llm"),
    });
    return chatTurn({
      userId: caller.user.id,
      body,
      resolved,
      signal: request.signal,
      answer: chatAnswerFor(request.headers.get("accept")),
    });
  }),
});
