import { apiRoute, routeMethods } from "@/lib/http/route";
import { cancelRun } from "@/lib/runs/cancel-run";
import { cancelRunContract } from "@/lib/runs/contracts";

export const { GET, POST, PUT, PATCH, DELETE } = routeMethods(cancelRunContract.path, {
  // POST /api/v1/projects/:projectId/runs/:runId/cancel — stop a run that has not ended
  POST: apiRoute(cancelRunContract, ({ caller, params }) =>
    cancelRun({ userId: caller.user.id, projectId: params.projectId, runId: params.runId }),
  ),
});
