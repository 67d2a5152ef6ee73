import { listChats } from "@/lib/chat/chats";
import { listChatsContract } from "@/lib/chat/contracts";
import { apiRoute, routeMethods } from "@/lib/http/route";

// GET /api/chats — the caller's chats, most recent first
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listChatsContract.path, {
  GET: apiRoute(listChatsContract, async ({ caller, query }) => {
    const { page, pageSize } = query;
    const { chats, total } = await listChats(caller.user.id, {
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    return { chats, total, page, pageSize };
  }),
});
