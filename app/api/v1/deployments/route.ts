import { listDeploymentsContract } from "@/lib/deployments/contracts";
import { listDeployments } from "@/lib/deployments/list-deployments";
import { appOrigin } from "@/lib/http/origin";
import { apiRoute, routeMethods } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(listDeploymentsContract.path, {
  // GET /api/v1/deployments — the caller's deployments, newest first
  GET: apiRoute(listDeploymentsContract, ({ caller, query, request }) =>
    listDeployments({ userId: caller.user.id, query, origin: appOrigin(request) }),
  ),
});
