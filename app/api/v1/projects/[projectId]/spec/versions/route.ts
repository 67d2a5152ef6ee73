import { apiRoute, routeMethods } from "@/lib/http/route";
import { listSpecVersionsContract } from "@/lib/specs/contracts";
import { listVersions } from "@/lib/specs/versions";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listSpecVersionsContract.path, {
  // GET /api/v1/projects/:projectId/spec/versions — the spec's history
  GET: apiRoute(listSpecVersionsContract, ({ caller, params }) =>
    listVersions(caller.user.id, params.projectId),
  ),
});
