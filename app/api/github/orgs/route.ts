import { githubOrgsContract } from "@/lib/github/contracts";
import { pageLinks } from "@/lib/github/page-links";
import { listGithubOrgs } from "@/lib/github/read-github";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(githubOrgsContract.path, {
  // GET /api/github/orgs — the organisations of the caller's GitHub account
  GET: apiRoute(githubOrgsContract, async ({ caller, query, responseHeaders }) => {
    const page = await listGithubOrgs({
      userId: caller.user.id,
      page: query.page,
      perPage: query.per_page,
    });
    const link = pageLinks({
      path: githubOrgsContract.path,
      query,
      page: query.page,
      hasNext: page.hasNext,
    });
    if (link) responseHeaders.set("Link", link);
    return page.items;
  }),
});
