import { githubReposContract } from "@/lib/github/contracts";
import { pageLinks } from "@/lib/github/page-links";
import { listGithubRepos } from "@/lib/github/read-github";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(githubReposContract.path, {
  // GET /api/github/repos — repositories of an owner, or the caller's own
  GET: apiRoute(githubReposContract, async ({ caller, query, responseHeaders }) => {
    const page = await listGithubRepos({ userId: caller.user.id, query });
    const link = pageLinks({
      path: githubReposContract.path,
      query,
      page: query.page,
      hasNext: page.hasNext,
    });
    if (link) responseHeaders.set("Link", link);
    return page.items;
  }),
});
