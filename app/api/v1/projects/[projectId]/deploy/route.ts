import { deployRunContract } from "@/lib/deployments/contracts";
import { deployRun } from "@/lib/deployments/create-deployment";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(deployRunContract.path, {
  // POST /api/v1/projects/:projectId/deploy — deploy a succeeded run's result
  POST: apiRoute(deployRunContract, ({ caller, params, body }) =>
    deployRun({ userId: caller.user.id, projectId: params.projectId, body }),
  ),
});
