import { resolveModel } from "@/lib/ai/resolve-model";
import { appendMessage, getChat } from "@/lib/chat/chats";
import { morphContract } from "@/lib/chat/contracts";
import { morphFragment } from "@/lib/chat/morph";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/chat/morph-chat — edit the current fragment from an instruction
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(morphContract.path, {
  POST: apiRoute(morphContract, async ({ caller, body, request, limit }) => {
    const userId = caller.user.id;
    // The server's endpoints and keys are shared by everyone: they are what the LLM limit protects.
    const resolved = await resolveModel(caller.user, body, {
      beforeServerCall: () => limit("llm"),
    });
    if (body.chatId) await getChat(userId, body.chatId);
    const fragment = await morphFragment({
      userId,
      chatId: body.chatId,
      fragment: body.currentFragment,
      messages: body.messages.map((m) => ({ role: m.role, content: m.content })),
      resolved,
      signal: request.signal,
    });
    if (body.chatId) {
      await appendMessage(body.chatId, {
        role: "user",
        content: body.messages.at(-1)?.content ?? "",
      });
      await appendMessage(body.chatId, {
        role: "assistant",
        content: fragment.commentary,
        fragment,
        model: resolved.modelId,
      });
    }
    return fragment;
  }),
});
