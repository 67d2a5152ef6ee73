import { getProjectDeploymentContract } from "@/lib/deployments/contracts";
import { getProjectDeploymentOrThrow } from "@/lib/deployments/get-deployment-or-throw";
import { appOrigin } from "@/lib/http/origin";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(getProjectDeploymentContract.path, {
  // GET /api/v1/projects/:projectId/deployments/:deploymentId — a deployment's status and URL
  GET: apiRoute(getProjectDeploymentContract, ({ caller, params, request }) =>
    getProjectDeploymentOrThrow({
      userId: caller.user.id,
      ...params,
      origin: appOrigin(request),
    }),
  ),
});
