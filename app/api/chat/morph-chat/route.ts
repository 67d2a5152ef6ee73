import { resolveModel } from "@/lib/ai/resolve-model";
import { morphContract } from "@/lib/chat/contracts";
import { morphTurn } from "@/lib/chat/morph-turn";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/chat/morph-chat — edit the current fragment from an instruction
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(morphContract.path, {
  POST: apiRoute(morphContract, async ({ caller, body, request, limit }) => {
    // The server's endpoints and keys are shared by everyone: they are what the LLM limit protects.
    const resolved = await resolveModel(caller.user, body, {
      beforeServerCall: () => limit("llm"),
    });
    return morphTurn({ userId: caller.user.id, body, resolved, signal: request.signal });
  }),
});
