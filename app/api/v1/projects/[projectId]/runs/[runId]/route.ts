import { apiRoute, routeMethods } from "@/lib/http/route";
import { getRunContract } from "@/lib/runs/contracts";
import { getRun } from "@/lib/runs/get-run";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(getRunContract.path, {
  // GET /api/v1/projects/:projectId/runs/:runId — the run, its plan, tasks and verification
  GET: apiRoute(getRunContract, ({ caller, params }) =>
    getRun({ userId: caller.user.id, projectId: params.projectId, runId: params.runId }),
  ),
});
