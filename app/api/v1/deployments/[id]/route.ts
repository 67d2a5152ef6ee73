import { deleteDeploymentContract, getDeploymentContract } from "@/lib/deployments/contracts";
import { deleteDeployment } from "@/lib/deployments/delete-deployment";
import { getDeploymentOrThrow } from "@/lib/deployments/get-deployment-or-throw";
import { appOrigin } from "@/lib/http/origin";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(getDeploymentContract.path, {
  // GET /api/v1/deployments/:id — one deployment
  GET: apiRoute(getDeploymentContract, ({ caller, params, request }) =>
    getDeploymentOrThrow({
      userId: caller.user.id,
      deploymentId: params.id,
      origin: appOrigin(request),
    }),
  ),
  // DELETE /api/v1/deployments/:id — stop and remove a deployment
  DELETE: apiRoute(deleteDeploymentContract, ({ caller, params }) =>
    deleteDeployment({ userId: caller.user.id, deploymentId: params.id }),
  ),
});
