import { restartDeploymentContract } from "@/lib/deployments/contracts";
import { restartDeployment } from "@/lib/deployments/restart-deployment";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(restartDeploymentContract.path, {
  // POST /api/v1/deployments/:id/restart — start the app again
  POST: apiRoute(restartDeploymentContract, ({ caller, params }) =>
    restartDeployment({ userId: caller.user.id, deploymentId: params.id }),
  ),
});
