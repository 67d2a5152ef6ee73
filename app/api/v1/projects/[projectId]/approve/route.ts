import { apiRoute, routeMethods } from "@/lib/http/route";
import { approveContract } from "@/lib/specs/contracts";
import { approve } from "@/lib/specs/specs";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(approveContract.path, {
  // POST /api/v1/projects/:projectId/approve — freeze the latest spec version
  POST: apiRoute(approveContract, ({ caller, params }) =>
    approve(caller.user.id, params.projectId),
  ),
});
