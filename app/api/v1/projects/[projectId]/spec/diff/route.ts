import { apiRoute, routeMethods } from "@/lib/http/route";
import { diffSpecVersionsContract } from "@/lib/specs/contracts";
import { diffVersions } from "@/lib/specs/versions";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(diffSpecVersionsContract.path, {
  // GET /api/v1/projects/:projectId/spec/diff?from=&to= — what changed between two versions
  GET: apiRoute(diffSpecVersionsContract, ({ caller, params, query }) =>
    diffVersions(caller.user.id, params.projectId, query.from, query.to),
  ),
});
