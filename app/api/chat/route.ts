import { resolveModel } from "@/lib/ai/resolve-model";
import { chatTurn } from "@/lib/chat/chat-turn";
import { chatContract } from "@/lib/chat/contracts";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/chat — the model writes a fragment, streamed as it grows
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(chatContract.path, {
  POST: apiRoute(chatContract, async ({ caller, body, request, limit }) => {
    const resolved = await resolveModel(caller.user, body);
    // The server's key is shared by everyone: it is what the LLM limit protects.
    if (resolved.keySource === "server") await limit("llm");
    return chatTurn({
      userId: caller.user.id,
      body,
      resolved,
      signal: request.signal,
      wantsJson: /^application\/json\b/i.test(request.headers.get("accept") ?? ""),
    });
  }),
});
