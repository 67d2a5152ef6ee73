import { saveVersionContract } from "@/lib/chat/contracts";
import { saveFragmentVersion } from "@/lib/chat/save-version";
import { apiRoute, routeMethods } from "@/lib/http/route";

// POST /api/chats/:id/versions — save the user's own edit of the app as its next version
export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(saveVersionContract.path, {
  POST: apiRoute(saveVersionContract, ({ caller, params, body }) =>
    saveFragmentVersion({ userId: caller.user.id, chatId: params.id, fragment: body.fragment }),
  ),
});
