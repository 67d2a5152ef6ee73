import { deleteChatAndSandbox } from "@/lib/chat/chat-sandbox";
import { getChat, getMessages, renameChat } from "@/lib/chat/chats";
import { deleteChatContract, getChatContract, renameChatContract } from "@/lib/chat/contracts";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(getChatContract.path, {
  // GET /api/chats/:id — one chat and its messages
  GET: apiRoute(getChatContract, async ({ caller, params }) => {
    const [chat, messages] = await Promise.all([
      getChat(caller.user.id, params.id),
      getMessages(caller.user.id, params.id),
    ]);
    return { chat, messages };
  }),
  // PATCH /api/chats/:id — rename a chat
  PATCH: apiRoute(renameChatContract, ({ caller, params, body }) =>
    renameChat({ userId: caller.user.id, chatId: params.id, title: body.title }),
  ),
  // DELETE /api/chats/:id — delete a chat and its messages, and stop its sandbox
  DELETE: apiRoute(deleteChatContract, async ({ caller, params }) => {
    await deleteChatAndSandbox(caller.user.id, params.id);
    return { id: params.id, deleted: true as const };
  }),
});
