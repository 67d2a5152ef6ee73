import { deployContract } from "@/lib/deployments/contracts";
import { deployProject } from "@/lib/deployments/create-deployment";
import { appOrigin } from "@/lib/http/origin";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(deployContract.path, {
  // POST /api/v1/deploy — deploy a project's run with a name, port, environment and limits
  POST: apiRoute(deployContract, ({ caller, body, request }) =>
    deployProject({ userId: caller.user.id, body, origin: appOrigin(request) }),
  ),
});
