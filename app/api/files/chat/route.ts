import { apiRoute, routeMethods } from "@/lib/http/route";
import { openFolderChatContract } from "@/lib/workspace-apps/contracts";
import { openFolderInChat } from "@/lib/workspace-apps/workspace-apps";

// POST /api/files/chat — start a chat whose app is a workspace folder's files
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(openFolderChatContract.path, {
  POST: apiRoute(openFolderChatContract, ({ caller, body }) =>
    openFolderInChat({ userId: caller.user.id, body }),
  ),
});
