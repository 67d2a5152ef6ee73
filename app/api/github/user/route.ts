import { githubUserContract } from "@/lib/github/contracts";
import { getGithubUser } from "@/lib/github/read-github";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(githubUserContract.path, {
  // GET /api/github/user — the GitHub account the caller's token signs in as
  GET: apiRoute(githubUserContract, ({ caller }) => getGithubUser(caller.user.id)),
});
