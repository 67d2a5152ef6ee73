import { apiRoute, routeMethods } from "@/lib/http/route";
import { getSpecVersionContract } from "@/lib/specs/contracts";
import { getVersion } from "@/lib/specs/versions";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(getSpecVersionContract.path, {
  // GET /api/v1/projects/:projectId/spec/versions/:version — one version's documents
  GET: apiRoute(getSpecVersionContract, ({ caller, params }) =>
    getVersion(caller.user.id, params.projectId, params.version),
  ),
});
