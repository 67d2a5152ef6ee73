import { apiRoute, routeMethods } from "@/lib/http/route";
import { saveChatToFolderContract } from "@/lib/workspace-apps/contracts";
import { saveChatToFolder } from "@/lib/workspace-apps/workspace-apps";

// POST /api/chats/:id/workspace — save a chat's app back into the workspace folder it opened
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(saveChatToFolderContract.path, {
  POST: apiRoute(saveChatToFolderContract, ({ caller, params, body }) =>
    saveChatToFolder({ userId: caller.user.id, chatId: params.id, body }),
  ),
});
