import { stopDeploymentContract } from "@/lib/deployments/contracts";
import { stopDeployment } from "@/lib/deployments/stop-deployment";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(stopDeploymentContract.path, {
  // POST /api/v1/deployments/:id/stop — stop the app and free its port
  POST: apiRoute(stopDeploymentContract, ({ caller, params }) =>
    stopDeployment({ userId: caller.user.id, deploymentId: params.id }),
  ),
});
