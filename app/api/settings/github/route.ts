import {
  deleteGithubTokenContract,
  getGithubConnectionContract,
  saveGithubTokenContract,
} from "@/lib/github/contracts";
import { deleteGithubToken, getGithubConnection, saveGithubToken } from "@/lib/github/credentials";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(saveGithubTokenContract.path, {
  // GET /api/settings/github — whether GitHub is connected, and as whom
  GET: apiRoute(getGithubConnectionContract, ({ caller }) => getGithubConnection(caller.user.id)),
  // PUT /api/settings/github — connect GitHub with a personal access token
  PUT: apiRoute(saveGithubTokenContract, ({ caller, body }) =>
    saveGithubToken({ userId: caller.user.id, token: body.token }),
  ),
  // DELETE /api/settings/github — forget the token
  DELETE: apiRoute(deleteGithubTokenContract, async ({ caller }) => {
    await deleteGithubToken(caller.user.id);
    return { deleted: true as const };
  }),
});
